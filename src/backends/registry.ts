import type { BackendName } from '../domain/backend.ts';
import type { ApplianceClient } from './appliance/client.ts';
import type { BackendClient, Catalog } from './catalog.ts';
import { notConfigured } from './errors.ts';
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

export function requireBackend<K extends keyof Backends & BackendName>(
  backends: Backends,
  name: K,
): ClientOf<K> {
  const client = backends[name];
  if (!client) throw notConfigured(name);
  return client as ClientOf<K>;
}

export function requireCatalog(backends: Backends, name: CatalogBackend): Catalog {
  return requireBackend(backends, name);
}

export function configuredClients(backends: Backends): [BackendName, BackendClient][] {
  return Object.entries(backends).filter(
    (e): e is [BackendName, BackendClient] => e[1] !== undefined,
  );
}
