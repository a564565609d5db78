import type { BackendName } from './backend.ts';

/**
 * Which endpoint (SPEC §10): one configured, named instance of a backend. Every shape that is
 * "an endpoint and something" builds on it (config/endpoints.ts `EndpointConfig`, backends/
 * registry.ts `Endpoint`, resolvers/catalog.ts `CatalogEndpoint`), so an endpoint has one name
 * throughout; "target" is what a task acts on, "backend" the vendor kind.
 */
export interface EndpointRef<B extends BackendName = BackendName> {
  /** Unique among the endpoints; the backend's own name for one the environment configures. */
  readonly name: string;
  readonly backend: B;
}
