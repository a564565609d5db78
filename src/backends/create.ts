import type { BackendConfigs } from '../config.ts';
import type { TaskPoller } from '../tasks/types.ts';
import { ApplianceClient } from './appliance/client.ts';
import type { ClientOptions } from './catalog.ts';
import { HssClient } from './hss/client.ts';
import { KorapClient } from './korap/client.ts';
import type { Backends } from './registry.ts';
import { SdmClient } from './sdm/client.ts';
import { ZstackClient } from './zstack/client.ts';

/** One client per configured backend, each with its own connection pool. */
export function createBackends(configs: BackendConfigs, options: ClientOptions): Backends {
  return {
    sdm: configs.sdm ? new SdmClient(configs.sdm, options) : undefined,
    zstack: configs.zstack ? new ZstackClient(configs.zstack, options) : undefined,
    hss: configs.hss ? new HssClient(configs.hss, options) : undefined,
    appliance: configs.appliance ? new ApplianceClient(configs.appliance, options) : undefined,
    korap: configs.korap ? new KorapClient(configs.korap, options) : undefined,
  };
}

/** Every configured backend's task pollers, by kind. */
export function collectPollers(backends: Backends): Record<string, TaskPoller> {
  return {
    ...backends.sdm?.pollers(),
    ...backends.zstack?.pollers(),
    ...backends.hss?.pollers(),
    ...backends.appliance?.pollers(),
    ...backends.korap?.pollers(),
  };
}
