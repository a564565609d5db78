import type { BackendName } from '../domain/backend.ts';
import type { ApplianceClient } from './appliance/client.ts';
import type { BackendClient } from './catalog.ts';
import { notConfigured } from './errors.ts';

/** The configured backend clients; a missing one answers BACKEND_NOT_CONFIGURED. */
export interface Backends {
  readonly appliance?: ApplianceClient | undefined;
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

export function configuredClients(backends: Backends): [BackendName, BackendClient][] {
  return Object.entries(backends).filter(
    (e): e is [BackendName, BackendClient] => e[1] !== undefined,
  );
}
