import type { BackendName } from '../domain/backend.ts';
import type { EndpointRef } from '../domain/endpoint.ts';
import type { ApplianceClient } from './appliance/client.ts';
import type { HssClient } from './hss/client.ts';
import type { KorapClient } from './korap/client.ts';
import type { SdmClient } from './sdm/client.ts';
import type { ZstackClient } from './zstack/client.ts';

/** Each backend's client class: what an endpoint of that backend talks through. */
interface BackendClients {
  readonly sdm: SdmClient;
  readonly zstack: ZstackClient;
  readonly hss: HssClient;
  readonly appliance: ApplianceClient;
  readonly korap: KorapClient;
}

/** Backends that hold plugins, hosts and installations (the appliance holds updates only). */
export const CATALOG_BACKENDS = [
  'sdm',
  'zstack',
  'hss',
  'korap',
] as const satisfies readonly BackendName[];
export type CatalogBackend = (typeof CATALOG_BACKENDS)[number];

export function isCatalogBackend(name: string): name is CatalogBackend {
  return (CATALOG_BACKENDS as readonly string[]).includes(name);
}

export type ClientOf<B extends BackendName> = BackendClients[B];

/** One configured endpoint (SPEC §10) and its own client: its own pool, session, breaker, deadline. */
export type Endpoint = {
  readonly [B in BackendName]: EndpointRef<B> & { readonly client: ClientOf<B> };
}[BackendName];

/**
 * Every endpoint with its client, in configuration order; the resolvers find theirs by name or
 * backend (resolvers/catalog.ts, resolvers/endpoint-arg.ts).
 */
export class EndpointRegistry {
  constructor(readonly all: readonly Endpoint[]) {}

  /** The endpoints of one backend, in configuration order. */
  of(backend: BackendName): Endpoint[] {
    return this.all.filter((e) => e.backend === backend);
  }

  named(name: string): Endpoint | undefined {
    return this.all.find((e) => e.name === name);
  }
}
