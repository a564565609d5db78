import { BACKENDS, type BackendName } from '../domain/backend.ts';
import type { EndpointRef } from '../domain/endpoint.ts';
import type { ApplianceClient } from './appliance/client.ts';
import type { HssClient } from './hss/client.ts';
import type { KorapClient } from './korap/client.ts';
import type { SdmClient } from './sdm/client.ts';
import type { ZstackClient } from './zstack/client.ts';

/** The configured backend clients; a missing one answers BACKEND_NOT_CONFIGURED. */
export interface Backends {
  readonly sdm?: SdmClient | undefined;
  readonly zstack?: ZstackClient | undefined;
  readonly hss?: HssClient | undefined;
  readonly appliance?: ApplianceClient | undefined;
  readonly korap?: KorapClient | undefined;
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

export type ClientOf<K extends keyof Backends> = NonNullable<Backends[K]>;

/** One configured endpoint (SPEC §10) and its own client: its own pool, session, breaker, deadline. */
export type Endpoint = {
  readonly [B in BackendName]: EndpointRef<B> & { readonly client: ClientOf<B> };
}[BackendName];

/**
 * Every endpoint's client, in configuration order; the resolvers find theirs by name or backend
 * (resolvers/catalog.ts, resolvers/endpoint-arg.ts). `byBackend` is the client of each backend
 * that has exactly one endpoint (Runtime.backends, for code that holds one client per backend).
 */
export class EndpointRegistry {
  readonly byBackend: Backends;

  constructor(readonly all: readonly Endpoint[]) {
    const byBackend: { -readonly [B in BackendName]?: Backends[B] } = {};
    for (const backend of BACKENDS) {
      const of = this.of(backend);
      if (of.length === 1) Object.assign(byBackend, { [backend]: of[0]?.client });
    }
    this.byBackend = byBackend;
  }

  /** The endpoints of one backend, in configuration order. */
  of(backend: BackendName): Endpoint[] {
    return this.all.filter((e) => e.backend === backend);
  }

  named(name: string): Endpoint | undefined {
    return this.all.find((e) => e.name === name);
  }
}
