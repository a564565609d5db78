import {
  createLocalJWKSet,
  type FlattenedJWSInput,
  type JWSHeaderParameters,
  errors as joseErrors,
} from 'jose';
import { discoverJwksUri, fetchJwks, KeyFetchError } from './jwks-fetch.ts';

/**
 * The issuer's signing keys for jwt.ts, kept through IdP outages. jose's createRemoteJWKSet
 * forgets its keys 10 minutes after a fetch and then makes every request wait for a new one: an
 * IdP down for 11 minutes refused every valid JWT, and each token naming an unknown `kid` cost
 * a fetch. Here:
 *  - keys are refreshed in the background once KEYS_FRESH_MS old; requests are answered from the
 *    keys on hand meanwhile, and while refreshes fail, up to KEYS_MAX_STALE_MS after the last
 *    good fetch (stale-if-error); past that they are dropped and JWTs are refused;
 *  - one fetch at a time (single flight), and after any attempt none before a pause
 *    (JWKS_COOLDOWN_MS after a success, doubling up to JWKS_MAX_BACKOFF_MS after failures),
 *    whatever the tokens say: an unknown `kid` waits for the fetch under way or makes one only
 *    when the pause is over;
 *  - each attempt (discovery included) ends at a deadline, and reads at most jwks-fetch.ts's
 *    caps; only a request that has no usable key waits for it.
 */

/** Keys older than this are refreshed in the background (jose's own default cache age). */
export const KEYS_FRESH_MS = 10 * 60_000;
/** How long past the last good fetch the keys are still used while refreshes fail. */
export const KEYS_MAX_STALE_MS = 24 * 60 * 60_000;
/** The pause after an attempt: the least time between two fetches, whatever the tokens say. */
export const JWKS_COOLDOWN_MS = 60_000;
/** The pause after failed attempts doubles from JWKS_COOLDOWN_MS up to this. */
export const JWKS_MAX_BACKOFF_MS = 5 * 60_000;
/** The deadline of one attempt: discovery (when needed) and the JWKS together. */
export const JWKS_FETCH_TIMEOUT_MS = 5_000;

/** What the cache reports, each once per event (runtime.ts logs them through jwt.ts). */
export interface KeyCacheEvents {
  /** An attempt failed (debug: one per attempt, so at most one per pause). */
  readonly onFetchFailed?: (err: Error) => void;
  /**
   * The first failure after keys were good (or of the first fetch): once per outage.
   * `staleKeysAgeMs` is the age of the keys still in use, undefined when there are none.
   */
  readonly onOutage?: (err: Error, staleKeysAgeMs: number | undefined) => void;
  /** A fetch succeeded after an outage, which lasted `outageMs` (since its first failure). */
  readonly onRecovered?: (outageMs: number) => void;
  /** The keys passed KEYS_MAX_STALE_MS with no good fetch and were dropped. */
  readonly onExpired?: () => void;
}

export interface KeyCacheOptions extends KeyCacheEvents {
  /** The clock (epoch milliseconds): tests move it instead of waiting. Default Date.now(). */
  readonly now?: () => number;
  /** The deadline of one attempt (default JWKS_FETCH_TIMEOUT_MS). */
  readonly fetchTimeoutMs?: number;
}

/** Where the keys are: the JWKS URL, or the issuer whose discovery document names it. */
export interface KeySource {
  readonly issuer: string;
  readonly jwksUrl?: string | undefined;
}

type LocalKeys = ReturnType<typeof createLocalJWKSet>;

/** No key can be had now (none fetched yet or too old, and no fetch allowed or it failed). */
export class KeysUnavailableError extends Error {
  readonly code = 'JWKS_UNAVAILABLE';
  override readonly name = 'KeysUnavailableError';
}

export class JwksCache {
  private readonly now: () => number;
  private readonly fetchTimeoutMs: number;
  private jwksUri: string | undefined;
  private keys: { readonly set: LocalKeys; readonly fetchedAt: number } | undefined;
  private inFlight: Promise<LocalKeys | undefined> | undefined;
  private nextAttemptAt = 0;
  private failures = 0;
  private outageSince: number | undefined;

  constructor(
    private readonly source: KeySource,
    private readonly options: KeyCacheOptions = {},
  ) {
    this.now = options.now ?? (() => Date.now());
    this.fetchTimeoutMs = options.fetchTimeoutMs ?? JWKS_FETCH_TIMEOUT_MS;
    this.jwksUri = source.jwksUrl;
  }

  /** jose's key lookup (a JWTVerifyGetKey): the key the token's header names. */
  readonly getKey = async (header: JWSHeaderParameters, token: FlattenedJWSInput) => {
    let set = this.usable();
    if (set === undefined) {
      set = await this.refetch();
      if (set === undefined) throw new KeysUnavailableError('JWT signing keys unavailable');
    }
    try {
      return await set(header, token);
    } catch (err) {
      // Another kid: the IdP may have rotated its keys. A forged kid ends here too, so the
      // refetch is the paused single flight, never one per token.
      if (!(err instanceof joseErrors.JWKSNoMatchingKey)) throw err;
      const fresh = await this.refetch();
      if (fresh === undefined || fresh === set) throw err;
      return fresh(header, token);
    }
  };

  /** The keys to answer from now (starting a background refresh when they are old), if any. */
  private usable(): LocalKeys | undefined {
    const keys = this.keys;
    if (keys === undefined) return undefined;
    const age = this.now() - keys.fetchedAt;
    if (age > KEYS_MAX_STALE_MS) {
      this.keys = undefined;
      this.options.onExpired?.();
      return undefined;
    }
    // Not awaited: the request goes on with the keys on hand; refetch() never rejects.
    if (age >= KEYS_FRESH_MS) void this.refetch();
    return keys.set;
  }

  /** The fetch under way, or a new one if the pause is over; undefined when none is allowed. */
  private refetch(): Promise<LocalKeys | undefined> {
    if (this.inFlight !== undefined) return this.inFlight;
    if (this.now() < this.nextAttemptAt) return Promise.resolve(undefined);
    const attempt = this.attempt().finally(() => {
      this.inFlight = undefined;
    });
    this.inFlight = attempt;
    return attempt;
  }

  private async attempt(): Promise<LocalKeys | undefined> {
    const signal = AbortSignal.timeout(this.fetchTimeoutMs);
    try {
      // A discovered jwks_uri is kept: an outage costs one fetch per attempt, not two.
      this.jwksUri ??= await discoverJwksUri(this.source.issuer, signal);
      const set = createLocalJWKSet(await fetchJwks(this.jwksUri, signal));
      const now = this.now();
      this.keys = { set, fetchedAt: now };
      this.failures = 0;
      this.nextAttemptAt = now + JWKS_COOLDOWN_MS;
      if (this.outageSince !== undefined) {
        const outageMs = now - this.outageSince;
        this.outageSince = undefined;
        this.options.onRecovered?.(outageMs);
      }
      return set;
    } catch (cause) {
      const err =
        cause instanceof KeyFetchError
          ? cause
          : new KeyFetchError(`JWKS: ${String(cause)}`, { cause });
      const now = this.now();
      this.failures++;
      this.nextAttemptAt =
        now + Math.min(JWKS_COOLDOWN_MS * 2 ** (this.failures - 1), JWKS_MAX_BACKOFF_MS);
      this.options.onFetchFailed?.(err);
      if (this.outageSince === undefined) {
        this.outageSince = now;
        this.options.onOutage?.(err, this.keys && now - this.keys.fetchedAt);
      }
      return undefined;
    }
  }
}
