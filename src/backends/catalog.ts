import type { Host, Installation, Plugin } from '../domain/model.ts';
import type { BreakerRegistry } from './breaker.ts';
import type { BackendCallInfo } from './http.ts';

/**
 * What every plugin-bearing backend offers the unified graph (SPEC §4): whole lists, fetched in
 * one vendor call each where the vendor has a list endpoint. The graph's request-scoped
 * DataLoaders index these lists, so N lookups by id cost one call, never N.
 */
export interface Catalog {
  listPlugins(): Promise<Plugin[]>;
  /** Backends without hosts (ZStack, KorAP) return []. */
  listHosts(): Promise<Host[]>;
  /** Where each plugin is installed / running; [] where the vendor has no such notion. */
  listInstallations(): Promise<Installation[]>;
  /**
   * Hosts and installations from the same vendor rows in one go, where the vendor serves both
   * together (SDM members, HSS per-host status): a request needing both pays for the rows once.
   */
  listInventory?(): Promise<Inventory>;
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
