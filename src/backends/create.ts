import type { BackendConfigs } from '../config.ts';
import type { TaskPoller } from '../tasks/types.ts';
import { ApplianceClient } from './appliance/client.ts';
import type { ClientOptions } from './catalog.ts';
import type { Backends } from './registry.ts';

/** One client per configured backend, each with its own connection pool. */
export function createBackends(configs: BackendConfigs, options: ClientOptions): Backends {
  return {
    appliance: configs.appliance ? new ApplianceClient(configs.appliance, options) : undefined,
  };
}

/** Every configured backend's task pollers, by kind. */
export function collectPollers(backends: Backends): Record<string, TaskPoller> {
  return {
    ...backends.appliance?.pollers(),
  };
}
