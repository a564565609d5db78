import type { BreakerState } from '../backends/breaker.ts';
import { BackendError } from '../backends/errors.ts';
import type { EndpointRegistry } from '../backends/registry.ts';
import { BACKENDS, type BackendName } from '../domain/backend.ts';

export type { BreakerState };

/** How an endpoint's last check went: a row of `backends` (BackendStatus) and of `/readyz`. */
export interface EndpointHealth {
  readonly backend: BackendName;
  /** The endpoint checked (SPEC §10); the backend's name for a row of an unconfigured backend. */
  readonly endpoint: string;
  readonly configured: boolean;
  /** Unset until the first check of a configured endpoint. */
  readonly reachable?: boolean | undefined;
  readonly latencyMs?: number | undefined;
  readonly lastCheckedAt?: Date | undefined;
  /** SPEC §5 code of the last failed check. */
  readonly errorCode?: string | undefined;
  /** The endpoint's circuit breaker as it is now (not as it was at the last check). */
  readonly breaker: BreakerState;
}

interface Pingable {
  readonly name: string;
  readonly backend: BackendName;
  readonly client: { ping(): Promise<void> };
}

/**
 * Checks each endpoint with its client's `ping()`, at most once per `cacheMs` (concurrent callers
 * share the check), for `/readyz` and the `backends` query.
 */
export class HealthMonitor {
  private readonly last = new Map<string, { at: number; result: Promise<EndpointHealth> }>();

  constructor(
    private readonly endpoints: Pick<EndpointRegistry, 'all'>,
    private readonly cacheMs = 2_000,
    private readonly breakers?: { state(endpoint: string): BreakerState },
  ) {}

  /** One row per endpoint, by backend; one unconfigured row for a backend without endpoints. */
  all(): Promise<EndpointHealth[]> {
    const rows = BACKENDS.flatMap((backend): Promise<EndpointHealth>[] => {
      const of = this.endpoints.all.filter((e) => e.backend === backend);
      if (of.length === 0)
        return [
          Promise.resolve({ backend, endpoint: backend, configured: false, breaker: 'CLOSED' }),
        ];
      return of.map((e) => this.checkEndpoint(e));
    });
    return Promise.all(rows);
  }

  /** Every endpoint's check, in configuration order. */
  configured(): Promise<EndpointHealth[]> {
    return Promise.all(this.endpoints.all.map((e) => this.checkEndpoint(e)));
  }

  private checkEndpoint(endpoint: Pingable): Promise<EndpointHealth> {
    let entry = this.last.get(endpoint.name);
    if (!entry || Date.now() - entry.at >= this.cacheMs) {
      entry = { at: Date.now(), result: this.ping(endpoint) };
      this.last.set(endpoint.name, entry);
    }
    return entry.result.then((h) => ({
      ...h,
      breaker: this.breakers?.state(endpoint.name) ?? 'CLOSED',
    }));
  }

  private async ping({ name, backend, client }: Pingable): Promise<EndpointHealth> {
    const started = performance.now();
    const row = { backend, endpoint: name, configured: true, breaker: 'CLOSED' } as const;
    try {
      await client.ping();
      return {
        ...row,
        reachable: true,
        latencyMs: performance.now() - started,
        lastCheckedAt: new Date(),
      };
    } catch (err) {
      return {
        ...row,
        reachable: false,
        latencyMs: performance.now() - started,
        lastCheckedAt: new Date(),
        errorCode: err instanceof BackendError ? err.code : 'BACKEND_UNAVAILABLE',
      };
    }
  }
}
