import type { Host, Installation, Plugin } from '../domain/model.ts';
import { requestSlot } from '../http/request-slot.ts';
import type { BreakerSource } from './breaker.ts';
import type { BackendCallInfo } from './http.ts';
import { inFlightOf } from './in-flight.ts';

/**
 * What every plugin-bearing backend offers the unified graph (SPEC §4): whole lists, fetched in
 * one vendor call each where the vendor has a list endpoint. The graph's request-scoped
 * DataLoaders index these lists, so N lookups by id cost one call, never N. `reads`, where given,
 * is the request (its GraphQL context, opaque here): vendor rows a backend reads through
 * `requestOnce(reads, …)` (request-once.ts) are shared by that request's lists.
 */
export interface Catalog {
  listPlugins(reads?: object): Promise<Plugin[]>;
  /** Backends without hosts (ZStack, KorAP) return []. */
  listHosts(reads?: object): Promise<Host[]>;
  /** Where each plugin is installed / running; [] where the vendor has no such notion. */
  listInstallations(reads?: object): Promise<Installation[]>;
  /**
   * Hosts and installations from the same vendor rows in one go, where the vendor serves both
   * together (SDM members, HSS per-host status): a request needing both pays for the rows once.
   */
  listInventory?(reads?: object): Promise<Inventory>;
}

export interface Inventory {
  readonly hosts: Host[];
  readonly installations: Installation[];
}

/** What each list of a Catalog returns, by the name `readCatalog` takes. */
export interface CatalogLists {
  readonly plugins: Plugin[];
  readonly hosts: Host[];
  readonly installations: Installation[];
  readonly inventory: Inventory;
}

const LISTS: {
  readonly [L in keyof CatalogLists]: (source: Catalog, reads: object) => Promise<CatalogLists[L]>;
} = {
  plugins: (source, reads) => source.listPlugins(reads),
  hosts: (source, reads) => source.listHosts(reads),
  installations: (source, reads) => source.listInstallations(reads),
  inventory: (source, reads) =>
    (source.listInventory as NonNullable<Catalog['listInventory']>).call(source, reads),
};

/**
 * A backend's list as the graph reads it, `request` being the request that asks (see `reads`
 * above). Requests running at the same time share one vendor call per list (in flight only,
 * never cached: in-flight.ts): a burst of identical reads costs the vendor one call, not one per
 * request. `inventory` only for a source that has `listInventory`.
 */
export function readCatalog<L extends keyof CatalogLists>(
  source: Catalog,
  list: L,
  request: object,
): Promise<CatalogLists[L]> {
  return inFlightOf(source).run(list, () => LISTS[list](source, readsOf(request, source)));
}

/**
 * What a source's `reads` is for one request: an object of its own per source, so two endpoints
 * of one backend (SPEC §10) never share rows a client keeps under its fixed key (`hss.plugins`),
 * while one source's lists in that request still do. Kept on the request, gone with it.
 */
const readScopes = requestSlot<Map<Catalog, object>>('plugin-graph.catalog-reads');

function readsOf(request: object, source: Catalog): object {
  let scopes = readScopes.get(request);
  if (!scopes) {
    scopes = new Map();
    readScopes.set(request, scopes);
  }
  let reads = scopes.get(source);
  if (!reads) {
    reads = {};
    scopes.set(source, reads);
  }
  return reads;
}

/** Options every backend client takes besides its own config section. */
export interface ClientOptions {
  /** BACKEND_TIMEOUT_MS: deadline of one operation, retries included. */
  readonly timeoutMs: number;
  /** Told about every HTTP attempt (logs, metrics). */
  readonly onCall?: (info: BackendCallInfo) => void;
  /** Circuit breakers, one per endpoint; each client passes its own to its HttpBackend. */
  readonly breakers?: BreakerSource;
}

/** Lifecycle every backend client has, for /readyz, `backends` and the SIGTERM drain. */
export interface BackendClient {
  /** A cheap authenticated call proving the backend answers; throws BackendError otherwise. */
  ping(): Promise<void>;
  /** Ends vendor sessions (SDM, appliance logout) and closes the connection pool. */
  close(): Promise<void>;
}
