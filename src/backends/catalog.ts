import type { Host, Installation, Plugin } from '../domain/model.ts';
import type { BreakerRegistry } from './breaker.ts';
import type { BackendCallInfo } from './http.ts';

/**
 * One request's memo of vendor reads: the first caller of a key runs `read`, later callers in the
 * same request share its promise. A backend whose lists come from the same vendor rows (SDM's
 * plugin list carries the members; HSS's status calls need the plugin codes; KorAP's plugin
 * status and installations both come from the installed list) reads those rows once per request.
 */
export type RequestReads = <T>(key: string, read: () => Promise<T>) => Promise<T>;

/**
 * What every plugin-bearing backend offers the unified graph (SPEC §4): whole lists, fetched in
 * one vendor call each where the vendor has a list endpoint. The graph's request-scoped
 * DataLoaders index these lists, so N lookups by id cost one call, never N. `reads`, where given,
 * shares vendor rows between the lists of one request.
 */
export interface Catalog {
  listPlugins(reads?: RequestReads): Promise<Plugin[]>;
  /** Backends without hosts (ZStack, KorAP) return []. */
  listHosts(reads?: RequestReads): Promise<Host[]>;
  /** Where each plugin is installed / running; [] where the vendor has no such notion. */
  listInstallations(reads?: RequestReads): Promise<Installation[]>;
  /**
   * Hosts and installations from the same vendor rows in one go, where the vendor serves both
   * together (SDM members, HSS per-host status): a request needing both pays for the rows once.
   */
  listInventory?(reads?: RequestReads): Promise<Inventory>;
}

/** `read()`, shared through `reads` under `key` when the caller gave a request memo. */
export function readOnce<T>(
  reads: RequestReads | undefined,
  key: string,
  read: () => Promise<T>,
): Promise<T> {
  return reads ? reads(key, read) : read();
}

export interface Inventory {
  readonly hosts: Host[];
  readonly installations: Installation[];
}

/** Options every backend client takes besides its own config section. */
export interface ClientOptions {
  /** BACKEND_TIMEOUT_MS: deadline of one operation, retries included. */
  readonly timeoutMs: number;
  /** Told about every HTTP attempt (logs, metrics). */
  readonly onCall?: (info: BackendCallInfo) => void;
  /** Circuit breakers, one per backend; each client passes its own to its HttpBackend. */
  readonly breakers?: BreakerRegistry;
}

/** Lifecycle every backend client has, for /readyz, `backends` and the SIGTERM drain. */
export interface BackendClient {
  /** A cheap authenticated call proving the backend answers; throws BackendError otherwise. */
  ping(): Promise<void>;
  /** Ends vendor sessions (SDM, appliance logout) and closes the connection pool. */
  close(): Promise<void>;
}
