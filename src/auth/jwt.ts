import { type JWTPayload, errors as joseErrors, jwtVerify } from 'jose';
import type { Logger } from 'pino';
import type { JwtConfig, Role } from '../config/index.ts';
import {
  JwksCache,
  KEYS_MAX_STALE_MS,
  type KeyCacheOptions,
  KeysUnavailableError,
} from './jwks-cache.ts';

/**
 * OIDC / JWT sign-in (SPEC §11): a frontend user's ID or access token from the issuer named by
 * PLUGIN_GRAPH_JWT_ISSUER, verified with the issuer's published keys (JWKS). The roles claim
 * maps the user to `viewer` / `operator`; the name claim names them in the audit trail.
 */

/** A verified JWT's caller: auth.ts adds `via: 'jwt'`. */
export interface JwtIdentity {
  readonly role: Role;
  readonly name: string;
  /** The groups claim's strings (PLUGIN_GRAPH_JWT_GROUPS_CLAIM): the policy's `group:` subjects. */
  readonly groups: readonly string[];
  /** When the token stops being accepted (its `exp` plus the leeway), epoch milliseconds. */
  readonly expiresAt: number;
}

/**
 * Thrown for a signed-in user whose JWT holds none of the roles: they are who they say, with no
 * right here. The transports (http/websocket.ts, http/sse-single-connection.ts) tell it apart
 * and answer FORBIDDEN (403, close code 4403), not UNAUTHENTICATED: signing in again would not
 * help.
 */
export class NoRoleError extends Error {
  override readonly name = 'NoRoleError';
}

/** Clock skew allowed between the IdP and us, on `exp` and `nbf` (and how long past `exp` a subscription lives). */
export const JWT_LEEWAY_SECONDS = 60;
// Asymmetric only: with HS256 the "secret" could be the public key anyone can fetch; `none` is no signature.
const ALGORITHMS = ['RS256', 'ES256', 'EdDSA'];

/** Why a token was refused, for a debug line: never the token. */
export type RefusalLog = (reason: string) => void;

/** The key cache's clock, deadline and events (jwks-cache.ts), and refusals. */
export interface JwtVerifierOptions extends KeyCacheOptions {
  readonly onRefused?: RefusalLog;
}

/**
 * Verifies a compact JWT: the identity, undefined for a token that is not valid (bad signature,
 * expired, wrong issuer or audience, no name), or throws NoRoleError for a valid one without role.
 */
export type JwtVerifier = (token: string) => Promise<JwtIdentity | undefined>;

export function createJwtVerifier(
  config: JwtConfig,
  options: JwtVerifierOptions = {},
): JwtVerifier {
  const keys = new JwksCache(config, options);
  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys.getKey, {
        issuer: config.issuer,
        audience: config.audience,
        algorithms: ALGORITHMS,
        clockTolerance: JWT_LEEWAY_SECONDS,
        // A token without `exp` would never end; a subscription's life is bounded by it.
        requiredClaims: ['exp'],
      }));
    } catch (err) {
      // Why keys are missing is logged once per outage by the cache, not once per token.
      const known = err instanceof joseErrors.JOSEError || err instanceof KeysUnavailableError;
      options.onRefused?.(known ? err.code : 'verification failed');
      return undefined;
    }
    const name = claim(payload, config.nameClaim);
    if (typeof name !== 'string' || name === '') {
      options.onRefused?.(`no ${config.nameClaim} claim`);
      return undefined;
    }
    const role = highestRole(claim(payload, config.rolesClaim));
    if (role === undefined) {
      options.onRefused?.(`no viewer or operator in ${config.rolesClaim}`);
      throw new NoRoleError(name);
    }
    const exp = payload.exp as number; // required above
    const groups = stringsOf(claim(payload, config.groupsClaim ?? 'groups'));
    return { role, name, groups, expiresAt: (exp + JWT_LEEWAY_SECONDS) * 1000 };
  };
}

/** A claim by its exact name (Auth0's `https://…/roles` has dots), else by a dotted path. */
function claim(payload: JWTPayload, name: string): unknown {
  if (name in payload) return payload[name];
  let value: unknown = payload;
  for (const part of name.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** A claim's strings: one string, or the strings of an array; anything else holds none. */
function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** `operator` beats `viewer`; other roles of the IdP are ignored. */
function highestRole(value: unknown): Role | undefined {
  const roles = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
  if (roles.includes('operator')) return 'operator';
  if (roles.includes('viewer')) return 'viewer';
  return undefined;
}

/**
 * The log lines of JWT sign-in (runtime.ts): refusals at debug with their reason only (a JWT is
 * a credential); an IdP outage once at warn when it starts, once at info when it ends, each
 * failed attempt at debug; keys dropped for age at error.
 */
export function jwtLogEvents(logger: Logger): JwtVerifierOptions {
  const hours = KEYS_MAX_STALE_MS / 3_600_000;
  return {
    onRefused: (reason) => logger.debug({ reason }, 'JWT refused'),
    onFetchFailed: (err) => logger.debug({ err: err.message }, 'JWT signing keys: fetch failed'),
    onOutage: (err, staleKeysAgeMs) =>
      staleKeysAgeMs === undefined
        ? logger.warn(
            { err: err.message },
            'JWT signing keys unavailable; JWTs are refused until the IdP answers',
          )
        : logger.warn(
            { err: err.message, keysAgeMs: staleKeysAgeMs },
            `JWT signing keys could not be refreshed; the last good keys stay in use up to ${hours} h after they were fetched`,
          ),
    onRecovered: (outageMs) => logger.info({ outageMs }, 'JWT signing keys fetched again'),
    onExpired: () =>
      logger.error(
        `JWT signing keys dropped: no good fetch for ${hours} h; JWTs are refused until the IdP answers`,
      ),
  };
}
