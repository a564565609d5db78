import type { EndpointSettings } from '../config/endpoints.ts';
import { pollKindAt, type TaskPoller } from '../tasks/types.ts';
import { ApplianceClient } from './appliance/client.ts';
import type { BreakerRegistry } from './breaker.ts';
import type { ClientOptions } from './catalog.ts';
import { HssClient } from './hss/client.ts';
import { KorapClient } from './korap/client.ts';
import { type Endpoint, EndpointRegistry } from './registry.ts';
import { SdmClient } from './sdm/client.ts';
import { ZstackClient } from './zstack/client.ts';

/** ClientOptions with the runtime's breakers, one per endpoint name. */
export interface RegistryOptions extends Omit<ClientOptions, 'breakers'> {
  readonly breakers?: BreakerRegistry;
}

/**
 * One client per endpoint, each with its own connection pool, session, breaker (named after the
 * endpoint) and deadline. Nothing is called here: sessions open at their first use.
 */
export function createEndpoints(
  endpoints: readonly EndpointSettings[],
  options: RegistryOptions,
): EndpointRegistry {
  return new EndpointRegistry(endpoints.map((e) => createEndpoint(e, scoped(e.name, options))));
}

/** The options of one endpoint's client: its own breaker, its calls reported with its name. */
function scoped(endpoint: string, options: RegistryOptions): ClientOptions {
  const { onCall, breakers } = options;
  return {
    timeoutMs: options.timeoutMs,
    ...(options.maxResponseBytes !== undefined && { maxResponseBytes: options.maxResponseBytes }),
    ...(onCall && { onCall: (call) => onCall({ ...call, endpoint }) }),
    ...(breakers && { breakers: { for: (backend) => breakers.for(endpoint, backend) } }),
  };
}

function createEndpoint(e: EndpointSettings, options: ClientOptions): Endpoint {
  const { name } = e;
  switch (e.backend) {
    case 'sdm':
      return { name, backend: e.backend, client: new SdmClient(e.settings, options) };
    case 'zstack':
      return { name, backend: e.backend, client: new ZstackClient(e.settings, options) };
    case 'hss':
      return { name, backend: e.backend, client: new HssClient(e.settings, options) };
    case 'appliance':
      return { name, backend: e.backend, client: new ApplianceClient(e.settings, options) };
    case 'korap':
      return { name, backend: e.backend, client: new KorapClient(e.settings, options) };
  }
}

/** Every endpoint's task pollers, by kind: `kind@endpoint` for an endpoint not named after its backend. */
export function collectPollers(endpoints: EndpointRegistry): Record<string, TaskPoller> {
  const pollers: Record<string, TaskPoller> = {};
  for (const e of endpoints.all)
    for (const [kind, poller] of Object.entries(e.client.pollers()))
      pollers[pollKindAt(kind, e.name, e.backend)] = poller;
  return pollers;
}
