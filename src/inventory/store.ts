import type { Catalog } from '../backends/catalog.ts';
import { BackendError } from '../backends/errors.ts';
import type { CatalogBackend } from '../backends/registry.ts';
import type { EndpointRef } from '../domain/endpoint.ts';
import { outsideRequest } from '../request/scope.ts';
import { readSnapshot, type Snapshot } from './snapshot.ts';

export interface InventoryOptions {
  /** INVENTORY_REFRESH_MS: background refresh period of an endpoint once it has been read. */
  readonly refreshMs: number;
  /** INVENTORY_MAX_STALE_MS: past this age a read waits for a refresh; failing that, BACKEND_STALE. */
  readonly maxStaleMs: number;
  /** BACKEND_TIMEOUT_MS: the longest a task's end waits for the refresh it triggers. */
  readonly timeoutMs: number;
  /** Told about a background refresh that failed (the last snapshot stays). Must not throw. */
  readonly onRefreshError?: (endpoint: string, err: unknown) => void;
  /**
   * Scaled-out mode (inventory/redis.ts): reads the endpoint's snapshot another instance wrote
   * instead of the vendor when that instance holds the endpoint's lease.
   */
  readonly share?: SnapshotShare;
}

/** The defaults of INVENTORY_REFRESH_MS, INVENTORY_MAX_STALE_MS and BACKEND_TIMEOUT_MS. */
export const DEFAULT_INVENTORY_OPTIONS: InventoryOptions = {
  refreshMs: 30_000,
  maxStaleMs: 120_000,
  timeoutMs: 10_000,
};

/** How instances share snapshots (Redis): one refreshes an endpoint, the others read its writes. */
export interface SnapshotShare {
  /**
   * One refresh: read the vendor (`fromVendor`) if this instance holds the endpoint's lease, and
   * publish what it read; else the newest snapshot another instance published (`known` when
   * that is the one already held, to spare a parse).
   */
  refresh(
    endpoint: EndpointRef<CatalogBackend>,
    fromVendor: () => Promise<Snapshot>,
    known: Snapshot | undefined,
  ): Promise<Snapshot>;
  close(): Promise<void>;
}

/** What a read of one endpoint answers: its snapshot, and why it is older than the max if it is. */
export interface InventoryView {
  readonly snapshot: Snapshot;
  readonly stale?: BackendError | undefined;
}

interface EndpointState {
  readonly endpoint: EndpointRef<CatalogBackend>;
  readonly source: Catalog;
  snapshot?: Snapshot;
  inFlight?: Promise<Snapshot> | undefined;
  /** A change was reported while a refresh ran: the refresh after that one, shared. */
  next?: Promise<Snapshot> | undefined;
  timer?: NodeJS.Timeout | undefined;
}

/**
 * Per-endpoint inventory snapshots (issue 17). Reads answer from the snapshot and never wait for
 * the vendor, except an endpoint's first read and a read of a snapshot older than `maxStaleMs`,
 * which wait for the refresh in flight (one at a time per endpoint, shared by every reader).
 * After its first read an endpoint refreshes every `refreshMs`, and at once after a change on it
 * (a mutation accepted, a task ended). A failed refresh keeps the last snapshot; its vendor calls
 * count against the endpoint's breaker as any call does (http.ts).
 */
export class InventoryStore {
  private readonly endpoints = new Map<string, EndpointState>();
  private closed = false;
  private replaced = 0;

  constructor(private readonly options: InventoryOptions) {}

  async read(endpoint: EndpointRef<CatalogBackend>, source: Catalog): Promise<InventoryView> {
    const state = this.stateOf(endpoint, source);
    const held = state.snapshot;
    // A part never read yet (its first read failed) is read again, as a first read is.
    if (!held?.complete) return { snapshot: await this.refresh(state) };
    const askedAt = Date.now();
    if (this.age(held, askedAt) <= this.options.maxStaleMs) return { snapshot: held };
    let snapshot: Snapshot;
    try {
      snapshot = await this.refresh(state);
    } catch {
      // The last snapshot still answers; the refresh's own error went to the breaker.
      snapshot = state.snapshot ?? held;
    }
    // Still past the max: the refresh failed, or a part of it did (that part is the old one).
    // Measured from when the read was asked: a refresh that succeeded is fresh however long it
    // took (under load it could finish past the max); one that failed, or a part of it that
    // did, left rows observed before the read began.
    const tooOld = this.age(snapshot, askedAt) > this.options.maxStaleMs;
    return { snapshot, stale: tooOld ? stale(state.endpoint, snapshot) : undefined };
  }

  /**
   * The endpoint changed (a mutation was accepted, a task ended): a refresh that starts after
   * this call, resolved when it is done (bounded by the backend timeout; never rejects). Nothing
   * for an endpoint never read: its first read is fresh anyway.
   */
  changed(endpoint: string): Promise<void> {
    const state = this.endpoints.get(endpoint);
    if (!state || this.closed) return Promise.resolve();
    // A refresh in flight may have read the vendor before the change: one more follows it.
    let after: Promise<Snapshot>;
    if (!state.inFlight) after = this.refresh(state);
    else {
      state.next ??= state.inFlight
        .catch(() => undefined)
        .then(() => {
          state.next = undefined;
          return this.refresh(state);
        });
      after = state.next;
    }
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.options.timeoutMs);
      timer.unref();
    });
    return Promise.race([after.then(() => undefined), deadline])
      .catch(() => undefined)
      .finally(() => clearTimeout(timer));
  }

  /**
   * How many times a snapshot was replaced, of any endpoint: an answer built from the snapshots
   * holds while this stays the same (schema/response-cache.ts keys on it).
   */
  get generation(): number {
    return this.replaced;
  }

  /** What BackendStatus shows of an endpoint's snapshot; undefined before its first read. */
  status(endpoint: string): { observedAt: Date; size: number } | undefined {
    const snapshot = this.endpoints.get(endpoint)?.snapshot;
    return snapshot && { observedAt: snapshot.observedAt, size: snapshot.size };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const state of this.endpoints.values()) clearTimeout(state.timer);
    await this.options.share?.close();
  }

  private stateOf(endpoint: EndpointRef<CatalogBackend>, source: Catalog): EndpointState {
    let state = this.endpoints.get(endpoint.name);
    // A different client under the same name (tests swap runtimes) starts over.
    if (!state || state.source !== source) {
      if (state) clearTimeout(state.timer);
      state = { endpoint, source };
      this.endpoints.set(endpoint.name, state);
    }
    return state;
  }

  private age(snapshot: Snapshot, at: number): number {
    return at - snapshot.observedAt.getTime();
  }

  /** The refresh in flight, or a new one; the next periodic one is planned when it ends. */
  private refresh(state: EndpointState): Promise<Snapshot> {
    if (state.inFlight) return state.inFlight;
    clearTimeout(state.timer);
    const fromVendor = () => readSnapshot(state.endpoint, state.source);
    const { share } = this.options;
    const run = share ? share.refresh(state.endpoint, fromVendor, state.snapshot) : fromVendor();
    const inFlight = run.then(
      (snapshot) => {
        // A slower refresh never replaces a newer snapshot (one from Redis can be older).
        if (!state.snapshot || snapshot.observedAt >= state.snapshot.observedAt) {
          state.snapshot = snapshot.over(state.snapshot);
          this.replaced++;
        }
        return state.snapshot;
      },
      (err: unknown) => {
        this.options.onRefreshError?.(state.endpoint.name, err);
        throw err;
      },
    );
    state.inFlight = inFlight;
    const settled = () => {
      if (state.inFlight === inFlight) state.inFlight = undefined;
      this.plan(state);
    };
    inFlight.then(settled, settled);
    return inFlight;
  }

  private plan(state: EndpointState): void {
    if (this.closed || this.endpoints.get(state.endpoint.name) !== state) return;
    clearTimeout(state.timer);
    // The next refresh belongs to no request, even when a request's read planned it.
    state.timer = outsideRequest(() =>
      setTimeout(() => {
        this.refresh(state).catch(() => undefined);
      }, this.options.refreshMs),
    );
    // Never what keeps the process alive.
    state.timer.unref();
  }
}

function stale(endpoint: EndpointRef<CatalogBackend>, snapshot: Snapshot): BackendError {
  const seconds = Math.round((Date.now() - snapshot.observedAt.getTime()) / 1000);
  return new BackendError(
    'BACKEND_STALE',
    endpoint.backend,
    `${endpoint.name} does not answer; its inventory is from ${snapshot.observedAt.toISOString()} (${seconds} s ago)`,
  );
}
