import type { Host, Installation, Plugin } from '../domain/model.ts';
import type { BreakerSource } from './breaker.ts';
import type { BackendCallInfo } from './http.ts';

/**
 * What every plugin-bearing backend offers the unified graph (SPEC §4): whole lists, fetched in
 * one vendor call each where the vendor has a list endpoint. The inventory snapshots
 * (src/inventory/) read them once per refresh and index them, so no request calls them
 * itself. `reads`, where given, is one refresh (an object, opaque here): vendor rows a backend
 * reads through `requestOnce(reads, …)` (request-once.ts) are shared by that refresh's lists.
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

/** Options every backend client takes besides its own config section. */
export interface ClientOptions {
  /** BACKEND_TIMEOUT_MS: deadline of one operation, retries included. */
  readonly timeoutMs: number;
  /** Told about every HTTP attempt (logs, metrics). */
  readonly onCall?: (info: BackendCallInfo) => void;
  /** Circuit breakers, one per endpoint; each client passes its own to its VendorHttp. */
  readonly breakers?: BreakerSource;
  /** BACKEND_MAX_RESPONSE_BYTES; default DEFAULT_MAX_RESPONSE_BYTES (config/server-variables.ts) */
  readonly maxResponseBytes?: number;
  /** Waits between a read's attempts (http.ts); tests pass their own to see the waits asked. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Lifecycle every backend client has, for /readyz, `backends` and the SIGTERM drain. */
export interface BackendClient {
  /** A cheap authenticated call proving the endpoint answers; throws BackendError otherwise. */
  ping(): Promise<void>;
  /** Ends vendor sessions (SDM, appliance logout) and closes the connection pool. */
  close(): Promise<void>;
}
