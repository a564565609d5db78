import {
  createRemoteJWKSet,
  type JWTPayload,
  type JWTVerifyGetKey,
  errors as joseErrors,
  jwtVerify,
} from 'jose';
import { z } from 'zod';
import type { JwtConfig, Role } from './config.ts';
import { NoRoleError } from './http/no-role.ts';

export { NoRoleError };

/**
 * OIDC / JWT sign-in (SPEC §11): a frontend user's ID or access token from the issuer named by
 * PLUGIN_GRAPH_JWT_ISSUER, verified with the issuer's published keys (JWKS). The roles claim
 * maps the user to `viewer` / `operator`; the name claim names them in the audit trail.
 */

/** A verified JWT's caller: auth.ts adds `via: 'jwt'`. */
export interface JwtIdentity {
  readonly role: Role;
  readonly name: string;
  /** When the token stops being accepted (its `exp` plus the leeway), epoch milliseconds. */
  readonly expiresAt: number;
}

/** Clock skew allowed between the IdP and us, on `exp` and `nbf` (and how long past `exp` a subscription lives). */
export const JWT_LEEWAY_SECONDS = 60;
/** At most one JWKS refetch a minute for tokens naming an unknown `kid`: they can't make us hammer the IdP. */
export const JWKS_COOLDOWN_MS = 60_000;
// Asymmetric only: with HS256 the "secret" could be the public key anyone can fetch; `none` is no signature.
const ALGORITHMS = ['RS256', 'ES256', 'EdDSA'];

/** Why a token was refused, for a debug line: never the token. */
export type RefusalLog = (reason: string) => void;

export interface JwtVerifierOptions {
  readonly onRefused?: RefusalLog;
  /** The discovery or JWKS endpoint could not be read (warn: every JWT fails meanwhile). */
  readonly onKeysUnavailable?: (err: unknown) => void;
}

/**
 * Verifies a compact JWT: the identity, undefined for a token that is not valid (bad signature,
 * expired, wrong issuer or audience, no name), or throws NoRoleError for a valid one without role.
 */
export type JwtVerifier = (token: string) => Promise<JwtIdentity | undefined>;

const discoverySchema = z.object({ issuer: z.string(), jwks_uri: z.url() });

export function createJwtVerifier(
  config: JwtConfig,
  options: JwtVerifierOptions = {},
): JwtVerifier {
  const keys = remoteKeys(config);
  return async (token) => {
    let payload: JWTPayload;
    try {
      const getKey = await keys();
      ({ payload } = await jwtVerify(token, getKey, {
        issuer: config.issuer,
        audience: config.audience,
        algorithms: ALGORITHMS,
        clockTolerance: JWT_LEEWAY_SECONDS,
        // A token without `exp` would never end; a subscription's life is bounded by it.
        requiredClaims: ['exp'],
      }));
    } catch (err) {
      if (err instanceof joseErrors.JOSEError) options.onRefused?.(err.code);
      else options.onKeysUnavailable?.(err);
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
    return { role, name, expiresAt: (exp + JWT_LEEWAY_SECONDS) * 1000 };
  };
}

/**
 * The key set, found once: PLUGIN_GRAPH_JWKS_URL, or the discovery document's `jwks_uri`. A
 * failed discovery is not remembered, so the next token tries again (the IdP may have been down
 * at our start). jose caches the keys and refetches them for an unknown `kid`, at most once per
 * cooldown.
 */
function remoteKeys(config: JwtConfig): () => Promise<JWTVerifyGetKey> {
  let found: Promise<JWTVerifyGetKey> | undefined;
  const open = (url: string) =>
    createRemoteJWKSet(new URL(url), {
      cooldownDuration: JWKS_COOLDOWN_MS,
      timeoutDuration: 5_000,
    });
  if (config.jwksUrl !== undefined) {
    const keys = open(config.jwksUrl);
    return async () => keys;
  }
  return () => {
    found ??= discover(config.issuer).then(open);
    found.catch(() => {
      found = undefined;
    });
    return found;
  };
}

async function discover(issuer: string): Promise<string> {
  const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000), redirect: 'error' });
  if (!res.ok) {
    await res.body?.cancel();
    throw new Error(`OIDC discovery at ${url} answered ${res.status}`);
  }
  const doc = discoverySchema.safeParse(await res.json());
  if (!doc.success) throw new Error(`OIDC discovery at ${url}: no valid jwks_uri`);
  return doc.data.jwks_uri;
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

/** `operator` beats `viewer`; other roles of the IdP are ignored. */
function highestRole(value: unknown): Role | undefined {
  const roles = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
  if (roles.includes('operator')) return 'operator';
  if (roles.includes('viewer')) return 'viewer';
  return undefined;
}
