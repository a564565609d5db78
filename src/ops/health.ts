import type { BreakerState } from '../backends/breaker.ts';
import { BackendError } from '../backends/errors.ts';
import type { Backends } from '../backends/registry.ts';
import { BACKENDS, type BackendName } from '../domain/backend.ts';

export type { BreakerState };

export interface BackendHealth {
  readonly backend: BackendName;
  readonly configured: boolean;
  /** Unset until the first check of a configured backend. */
  readonly reachable?: boolean | undefined;
  readonly latencyMs?: number | undefined;
  readonly lastCheckedAt?: Date | undefined;
  /** SPEC §5 code of the last failed check. */
  readonly errorCode?: string | undefined;
  /** The backend's circuit breaker as it is now (not as it was at the last check). */
  readonly breaker: BreakerState;
}

/**
 * Checks each configured backend with its `ping()`, at most once per `cacheMs` (concurrent
 * callers share the check), for `/readyz` and the `backends` query.
 */
export class HealthMonitor {
  private readonly last = new Map<BackendName, { at: number; result: Promise<BackendHealth> }>();

  constructor(
    private readonly backends: Backends,
    private readonly cacheMs = 2_000,
    private readonly breakers?: { state(backend: BackendName): BreakerState },
  ) {}

  all(): Promise<BackendHealth[]> {
    return Promise.all(BACKENDS.map((b) => this.check(b)));
  }

  check(backend: BackendName): Promise<BackendHealth> {
    const client = (this.backends as Partial<Record<BackendName, { ping(): Promise<void> }>>)[
      backend
    ];
    if (!client) return Promise.resolve({ backend, configured: false, breaker: 'CLOSED' });
    let entry = this.last.get(backend);
    if (!entry || Date.now() - entry.at >= this.cacheMs) {
      entry = { at: Date.now(), result: this.ping(backend, client) };
      this.last.set(backend, entry);
    }
    return entry.result.then((h) => ({
      ...h,
      breaker: this.breakers?.state(backend) ?? 'CLOSED',
    }));
  }

  private async ping(
    backend: BackendName,
    client: { ping(): Promise<void> },
  ): Promise<BackendHealth> {
    const started = performance.now();
    try {
      await client.ping();
      return {
        backend,
        configured: true,
        reachable: true,
        latencyMs: performance.now() - started,
        lastCheckedAt: new Date(),
        breaker: 'CLOSED',
      };
    } catch (err) {
      return {
        backend,
        configured: true,
        reachable: false,
        latencyMs: performance.now() - started,
        lastCheckedAt: new Date(),
        errorCode: err instanceof BackendError ? err.code : 'BACKEND_UNAVAILABLE',
        breaker: 'CLOSED',
      };
    }
  }
}
