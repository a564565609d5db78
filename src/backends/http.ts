import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { DEFAULT_MAX_RESPONSE_BYTES } from '../config/server-variables.ts';
import type { BackendName } from '../domain/backend.ts';
import type { BreakerPass, BreakerSource, CircuitBreaker } from './breaker.ts';
import { BackendError } from './errors.ts';
import { encodeQuery, hasUnsafeSegment, header, type QueryValue } from './http-parts.ts';
import { declaredOver, oversize, tooLarge } from './response-size.ts';
import { DEFAULT_MAX_RETRY_AFTER_MS, retryAfterMs } from './retry-after.ts';
import { type WriteWitness, witnessFailure } from './write-witness.ts';

export { encodeQuery, hasUnsafeSegment, header, type QueryValue } from './http-parts.ts';

/**
 * The one place that talks undici. Each endpoint's client gets one VendorHttp: one keep-alive
 * Pool with a connection cap, a deadline per operation (retries included, a vendor's Retry-After
 * honoured), every body consumed up to BACKEND_MAX_RESPONSE_BYTES (response-size.ts), and
 * transport failures turned into BackendError. Status codes are returned, not judged:
 * what a 400 or a 503 means is vendor knowledge and lives in each client.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';

export interface HttpRequest {
  readonly method: HttpMethod;
  /** Path below the base URL's path, starting with `/`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, QueryValue>>;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Name of the vendor operation, for logs and metrics (`installUpdate`, `login`). */
  readonly operation: string;
  /**
   * Whether the call may be repeated safely. Defaults to true for GET only: writes are never
   * retried (SPEC §8), however transient the failure looked.
   */
  readonly idempotent?: boolean;
  /** Statuses worth a retry for an idempotent call; default 429, 502, 503, 504. */
  readonly retryOnStatus?: readonly number[];
  /** Absolute deadline (epoch ms) shared by several calls of one operation; default now + timeout. */
  readonly deadline?: number;
  /** A launch's vendor write: told how each attempt ended (sent or not, answered or lost). */
  readonly write?: WriteWitness | undefined;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
  /**
   * Tells the breaker this answer could not be used after all (BACKEND_BAD_RESPONSE: an HTML
   * page, a cut body): it counts as a failed exchange, not as the success its status looked.
   */
  readonly unusable?: () => void;
}

export interface BackendCallInfo {
  readonly backend: BackendName;
  readonly endpoint?: string; // SPEC §10, added by backends/create.ts for its endpoint's client
  readonly operation: string;
  readonly method: HttpMethod;
  readonly status?: number;
  readonly errorCode?: string;
  readonly durationMs: number;
  readonly attempt: number;
}

export interface VendorHttpOptions {
  readonly backend: BackendName;
  /** Base URL including any path prefix, e.g. `https://sdm:8443/rest/v1.3`. */
  readonly baseUrl: string;
  /** Deadline of one operation, retries included (BACKEND_TIMEOUT_MS). */
  readonly timeoutMs: number;
  /** Cap on concurrent connections to the vendor. */
  readonly connections?: number;
  readonly keepAliveTimeoutMs?: number;
  /** Attempts for idempotent calls, the first included. */
  readonly maxAttempts?: number;
  readonly retryBaseDelayMs?: number;
  /** Told about every attempt, for logs and metrics. Must not throw. */
  readonly onCall?: (info: BackendCallInfo) => void;
  /**
   * Circuit breaker of this endpoint: every attempt passes through it; transport failures,
   * timeouts and 5xx count against it (breaker.ts). None: no breaker.
   */
  readonly breaker?: CircuitBreaker | undefined;
  /** BACKEND_MAX_RESPONSE_BYTES: a larger answer is refused, BACKEND_BAD_RESPONSE, unread. */
  readonly maxResponseBytes?: number | undefined;
  /** The longest `Retry-After` waited for before a retry (retry-after.ts); a longer one is not. */
  readonly maxRetryAfterMs?: number;
  /** Waits between attempts; tests pass their own to see the delay chosen. */
  readonly sleep?: (ms: number) => Promise<void>;
}

const DEFAULT_RETRY_STATUSES: readonly number[] = [429, 502, 503, 504];

/**
 * Codes of a call that reached no one or was cut off, read off the error or its `cause`. They
 * choose only the message ("unreachable" instead of "call failed"): either way the error is
 * BACKEND_UNAVAILABLE, retried when the call is idempotent. Most are not undici's own: a refused,
 * reset or unresolvable connection rejects with Node's errno error from `net`/`dns`
 * (`ECONNREFUSED`, `ECONNRESET`, `ENOTFOUND`, ...), which undici 7 passes on as it is. undici's
 * `UND_ERR_*` codes (lib/core/errors.js) add a peer that closed the socket, before or during the
 * body (SocketError), a pool closed or destroyed under the call, and a connect timeout. Its
 * headers and body timeouts are BACKEND_TIMEOUT (mapTransportError); our own deadline aborts
 * with the signal's DOMException (a numeric code), which `signal.aborted` recognises first.
 */
const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
  'UND_ERR_CONNECT_TIMEOUT',
]);

export class VendorHttp {
  readonly backend: BackendName;
  readonly timeoutMs: number;
  private readonly pool: Pool;
  private readonly basePath: string;
  private readonly maxAttempts: number;
  private readonly retryBaseDelayMs: number;
  private readonly onCall: ((info: BackendCallInfo) => void) | undefined;
  private readonly breaker: CircuitBreaker | undefined;
  private readonly maxResponseBytes: number;
  private readonly maxRetryAfterMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: VendorHttpOptions) {
    const url = new URL(options.baseUrl);
    if (url.username || url.password) {
      // Credentials in a URL end up in logs and error messages; they belong in their own variables.
      throw new TypeError(
        `${options.backend}: put credentials in their own variables, not in the URL`,
      );
    }
    if (!(options.timeoutMs > 0)) throw new TypeError('timeoutMs must be positive');
    this.backend = options.backend;
    this.timeoutMs = options.timeoutMs;
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.maxAttempts = options.maxAttempts ?? 3;
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? 100;
    this.onCall = options.onCall;
    this.breaker = options.breaker;
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS;
    this.sleep = options.sleep ?? ((ms) => sleep(ms));
    this.pool = new Pool(url.origin, {
      connections: options.connections ?? 16,
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 4_000,
      // The operation deadline below is the real limit; these only stop a socket from idling forever.
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      connect: { timeout: Math.min(options.timeoutMs, 10_000) },
      // Past it undici destroys the socket as the chunk that crosses the line arrives.
      maxResponseSize: this.maxResponseBytes,
    });
  }

  /** A deadline for an operation made of several calls (login, call, re-login, call). */
  deadline(): number {
    return Date.now() + this.timeoutMs;
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    if (hasUnsafeSegment(req.path)) {
      // The last line of defence behind the vendor id grammars: a dot segment would re-route the
      // request (`/plugins/../action`), an empty one hits another resource (`/plugins//action`).
      throw new BackendError(
        'BACKEND_UNSAFE_PATH',
        this.backend,
        `${this.backend} ${req.operation} was not sent: its path has an empty, "." or ".." segment`,
      );
    }
    const deadline = req.deadline ?? this.deadline();
    const idempotent = req.idempotent ?? req.method === 'GET';
    const retryOn = req.retryOnStatus ?? DEFAULT_RETRY_STATUSES;
    const attempts = idempotent ? this.maxAttempts : 1;
    for (let attempt = 1; ; attempt++) {
      const last = attempt >= attempts;
      let asked: number | undefined;
      try {
        const res = await this.once(req, deadline, attempt);
        if (last || !retryOn.includes(res.status)) return res;
        // The vendor said when (429, 503): then, or, past our wait or deadline, its answer now.
        asked = retryAfterMs(header(res, 'retry-after'));
        if (asked !== undefined && (asked > this.maxRetryAfterMs || Date.now() + asked >= deadline))
          return res;
      } catch (err) {
        if (last || !(err instanceof BackendError) || err.code !== 'BACKEND_UNAVAILABLE') throw err;
      }
      // Full jitter: spreads the retries of many callers hitting one struggling vendor.
      const delay = asked ?? Math.random() * this.retryBaseDelayMs * 2 ** (attempt - 1);
      if (Date.now() + delay >= deadline) {
        throw new BackendError(
          'BACKEND_TIMEOUT',
          this.backend,
          `${this.backend} did not answer in time`,
        );
      }
      await this.sleep(delay);
    }
  }

  private async once(req: HttpRequest, deadline: number, attempt: number): Promise<HttpResponse> {
    const started = performance.now();
    const remaining = deadline - Date.now();
    const report = (status?: number, errorCode?: string) =>
      this.onCall?.({
        backend: this.backend,
        operation: req.operation,
        method: req.method,
        durationMs: performance.now() - started,
        attempt,
        ...(status === undefined ? {} : { status }),
        ...(errorCode === undefined ? {} : { errorCode }),
      });
    if (remaining <= 0) {
      report(undefined, 'BACKEND_TIMEOUT');
      throw new BackendError(
        'BACKEND_TIMEOUT',
        this.backend,
        `${this.backend} did not answer in time`,
      );
    }
    let pass: BreakerPass | undefined;
    try {
      pass = this.breaker?.enter();
    } catch (err) {
      report(undefined, 'BACKEND_CIRCUIT_OPEN');
      throw err;
    }
    // A timer cleared when the call ends, not AbortSignal.timeout(): that one's timer, and the
    // signal with what hangs off it, live on for the whole deadline (10 s by default) after the
    // call, and each call's objects were moved into V8's old generation (the GC pauses behind
    // the p99 latency in bench/RESULTS.md).
    const abort = new AbortController();
    const signal = abort.signal;
    const timer = setTimeout(() => abort.abort(), remaining);
    try {
      const res = await this.pool.request({
        method: req.method,
        path: this.basePath + req.path + encodeQuery(req.query),
        headers: req.headers,
        body: req.body,
        signal,
      });
      req.write?.answered(res.statusCode);
      if (declaredOver(res.headers, this.maxResponseBytes)) {
        res.body.destroy(); // unread: undici closes the socket, nothing more comes in
        throw tooLarge(this.backend, this.maxResponseBytes);
      }
      // Always read the body to the end, even when nobody wants it: an unread body pins the socket.
      const body = await res.body.text();
      if (res.statusCode >= 500) pass?.failure();
      else pass?.success();
      report(res.statusCode);
      const unusable = pass && (() => pass?.unusable());
      return { status: res.statusCode, headers: res.headers, body, ...(unusable && { unusable }) };
    } catch (err) {
      witnessFailure(req.write, err);
      const mapped =
        oversize(err, this.backend, this.maxResponseBytes) ?? this.mapTransportError(err, signal);
      pass?.failure();
      report(undefined, mapped.code);
      throw mapped;
    } finally {
      clearTimeout(timer);
    }
  }

  private mapTransportError(err: unknown, signal: AbortSignal): BackendError {
    const code = errorCode(err);
    if (signal.aborted || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
      return new BackendError(
        'BACKEND_TIMEOUT',
        this.backend,
        `${this.backend} did not answer in time`,
      );
    }
    if (code !== undefined && CONNECTION_ERROR_CODES.has(code)) {
      return new BackendError(
        'BACKEND_UNAVAILABLE',
        this.backend,
        `${this.backend} is unreachable`,
        {
          cause: err,
        },
      );
    }
    return new BackendError('BACKEND_UNAVAILABLE', this.backend, `${this.backend} call failed`, {
      cause: err,
    });
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

/** What every client hands on to its VendorHttp (the shared part of ClientOptions). */
export interface ClientHttpOptions {
  readonly timeoutMs: number;
  readonly onCall?: ((info: BackendCallInfo) => void) | undefined;
  readonly breakers?: BreakerSource | undefined;
  readonly maxResponseBytes?: number | undefined;
  readonly sleep?: ((ms: number) => Promise<void>) | undefined;
}

/** A client's VendorHttp: the operation deadline, that endpoint's own breaker, the call log. */
export function clientHttp(
  backend: BackendName,
  baseUrl: string,
  options: ClientHttpOptions,
): VendorHttp {
  return new VendorHttp({
    backend,
    baseUrl,
    timeoutMs: options.timeoutMs,
    breaker: options.breakers?.for(backend),
    onCall: options.onCall,
    maxResponseBytes: options.maxResponseBytes,
    ...(options.sleep && { sleep: options.sleep }),
  });
}

function errorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const cause = (err as { cause?: unknown }).cause;
    if (cause !== undefined && cause !== err) return errorCode(cause);
  }
  return undefined;
}
