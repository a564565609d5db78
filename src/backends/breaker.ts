import type { BackendName } from '../domain/backend.ts';
import { BackendError } from './errors.ts';

/**
 * A circuit breaker per endpoint (SPEC §8; BreakerRegistry below). CLOSED: calls pass; after
 * `failureThreshold` consecutive failed exchanges (no answer, a timeout, a 5xx, an answer that
 * could not be used: an HTML page from a proxy, a cut or oversized body) it OPENs and every call
 * fails at once with BACKEND_CIRCUIT_OPEN, sparing a struggling vendor and our callers'
 * deadlines. After `coolDownMs` one call is let through as a HALF_OPEN probe: success closes the
 * breaker, failure opens it for another cool-down. Other calls made while the probe runs still
 * fail fast.
 */

export type BreakerState = 'CLOSED' | 'OPEN' | 'HALF_OPEN';

export interface BreakerOptions {
  /** Consecutive failed exchanges that open the breaker. Default 5. */
  readonly failureThreshold?: number;
  /** How long the breaker stays open before a probe is let through. Default 15 s. */
  readonly coolDownMs?: number;
  /** Told about every state change, for logs and metrics. Must not throw. */
  readonly onStateChange?: (
    backend: BackendName,
    from: BreakerState,
    to: BreakerState,
    /** Set by BreakerRegistry: the endpoint whose breaker changed. */
    endpoint?: string,
  ) => void;
  /** Clock, for tests. */
  readonly now?: () => number;
}

export const DEFAULT_BREAKER_OPTIONS = { failureThreshold: 5, coolDownMs: 15_000 } as const;

/** What a caller holds between `enter()` and reporting the outcome. */
export interface BreakerPass {
  /** The exchange got an answer that says the vendor is healthy (any status below 500). */
  success(): void;
  /** The exchange failed: no answer, a timeout, or a 5xx. */
  failure(): void;
  /** The exchange never reached the vendor (deadline already over): counts neither way. */
  release(): void;
  /**
   * The answer that counted as a success could not be used (BACKEND_BAD_RESPONSE): it counts as
   * a failure after all, as if success() had not been called. A 200 that is an HTML error page
   * says as little about the vendor's health as a 502 does.
   */
  unusable(): void;
}

export class CircuitBreaker {
  private current: BreakerState = 'CLOSED';
  private failures = 0;
  private openedAt = 0;
  private probing = false;
  /** Successes so far: an unusable answer undoes its own success only if none came since. */
  private successes = 0;
  private readonly threshold: number;
  private readonly coolDownMs: number;
  private readonly now: () => number;

  constructor(
    readonly backend: BackendName,
    private readonly options: BreakerOptions = {},
  ) {
    this.threshold = options.failureThreshold ?? DEFAULT_BREAKER_OPTIONS.failureThreshold;
    this.coolDownMs = options.coolDownMs ?? DEFAULT_BREAKER_OPTIONS.coolDownMs;
    if (!Number.isInteger(this.threshold) || this.threshold < 1)
      throw new TypeError('failureThreshold must be a positive integer');
    if (!(this.coolDownMs >= 0)) throw new TypeError('coolDownMs must not be negative');
    this.now = options.now ?? Date.now;
  }

  /** The state as a caller would find it now (an elapsed cool-down reads as HALF_OPEN). */
  get state(): BreakerState {
    if (this.current === 'OPEN' && this.now() - this.openedAt >= this.coolDownMs)
      return 'HALF_OPEN';
    return this.current;
  }

  /** Admits one exchange or throws BACKEND_CIRCUIT_OPEN. */
  enter(): BreakerPass {
    if (this.current === 'OPEN') {
      if (this.now() - this.openedAt < this.coolDownMs) throw this.openError();
      this.transition('HALF_OPEN');
    }
    if (this.current === 'HALF_OPEN') {
      if (this.probing) throw this.openError();
      this.probing = true;
      return this.pass(true);
    }
    return this.pass(false);
  }

  private pass(probe: boolean): BreakerPass {
    let done = false;
    /** Set by a success: the failure count it reset, and which success it was. */
    let undo: { failures: number; success: number } | undefined;
    const settle = (outcome: 'success' | 'failure' | 'release') => {
      if (done) return;
      done = true;
      if (probe) this.probing = false;
      if (outcome === 'success') {
        undo = { failures: this.failures, success: this.successes + 1 };
        this.onSuccess();
      } else if (outcome === 'failure') this.onFailure(probe);
    };
    return {
      success: () => settle('success'),
      failure: () => settle('failure'),
      release: () => settle('release'),
      unusable: () => {
        if (!undo) return;
        // Unless a real success came since, the count goes on from where this one reset it.
        if (this.successes === undo.success) this.failures = undo.failures;
        undo = undefined;
        this.onFailure(probe);
      },
    };
  }

  private onSuccess(): void {
    this.successes++;
    this.failures = 0;
    if (this.current !== 'CLOSED') this.transition('CLOSED');
  }

  private onFailure(probe: boolean): void {
    this.failures++;
    // A probe's failure reopens at once; so does a late failure of a call admitted before opening.
    if (probe || this.current === 'HALF_OPEN' || this.failures >= this.threshold) {
      this.openedAt = this.now();
      if (this.current !== 'OPEN') this.transition('OPEN');
    }
  }

  private transition(to: BreakerState): void {
    const from = this.current;
    this.current = to;
    if (to === 'CLOSED') this.failures = 0;
    this.options.onStateChange?.(this.backend, from, to);
  }

  private openError(): BackendError {
    return new BackendError(
      'BACKEND_CIRCUIT_OPEN',
      this.backend,
      `${this.backend} is failing; calls are paused for a moment (circuit open)`,
    );
  }
}

/** Where a client takes its breaker from: a BreakerRegistry, or one endpoint's view of it. */
export interface BreakerSource {
  for(backend: BackendName): CircuitBreaker;
}

/**
 * One breaker per endpoint name (SPEC §10; an environment-configured endpoint is named after its
 * backend), shared by everything in one runtime that calls that endpoint: one failing region
 * pauses its own calls only.
 */
export class BreakerRegistry {
  private readonly breakers = new Map<string, CircuitBreaker>();

  constructor(private readonly options: BreakerOptions = {}) {}

  /** `backend` names the backend in the errors an open breaker throws; default the endpoint's name. */
  for(endpoint: string, backend: BackendName = endpoint as BackendName): CircuitBreaker {
    let breaker = this.breakers.get(endpoint);
    if (!breaker) {
      const told = this.options.onStateChange;
      breaker = new CircuitBreaker(backend, {
        ...this.options,
        ...(told && { onStateChange: (b, from, to) => told(b, from, to, endpoint) }),
      });
      this.breakers.set(endpoint, breaker);
    }
    return breaker;
  }

  state(endpoint: string): BreakerState {
    return this.breakers.get(endpoint)?.state ?? 'CLOSED';
  }
}
