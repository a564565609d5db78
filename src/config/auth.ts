import { createHash } from 'node:crypto';
import type { z } from 'zod';
import type { serverVariables } from './server-variables.ts';

/**
 * Inbound auth from the environment: PLUGIN_GRAPH_TOKENS' grants and the JWT settings
 * (PLUGIN_GRAPH_JWT_*), checked here and used by src/auth/.
 */

type AuthEnv = z.output<z.ZodObject<typeof serverVariables>>;

export type Role = 'viewer' | 'operator';

/** A static token's grant: its role and the name the audit trail and `Task.startedBy` show. */
export interface TokenGrant {
  readonly role: Role;
  readonly name: string;
}

/** The JWT settings of Config['auth'] (PLUGIN_GRAPH_JWT_*), checked by src/auth/jwt.ts. */
export interface JwtConfig {
  readonly issuer: string;
  readonly audience: string;
  /** PLUGIN_GRAPH_JWKS_URL; undefined: the discovery document's `jwks_uri`. */
  readonly jwksUrl?: string | undefined;
  /** A claim name, or a dotted path into nested claims (`realm_access.roles`). */
  readonly rolesClaim: string;
  readonly nameClaim: string;
  /** PLUGIN_GRAPH_JWT_GROUPS_CLAIM (config/policy.ts); default `groups`. */
  readonly groupsClaim?: string | undefined;
}

/** JWT sign-in is on when the issuer is set; without an audience any of its tokens would do. */
export function jwtConfig(e: AuthEnv, problems: string[]): JwtConfig | undefined {
  if (e.PLUGIN_GRAPH_JWT_ISSUER === undefined) {
    if (e.PLUGIN_GRAPH_JWT_AUDIENCE !== undefined || e.PLUGIN_GRAPH_JWKS_URL !== undefined)
      problems.push(
        'PLUGIN_GRAPH_JWT_AUDIENCE and PLUGIN_GRAPH_JWKS_URL need PLUGIN_GRAPH_JWT_ISSUER',
      );
    return undefined;
  }
  if (e.PLUGIN_GRAPH_JWT_AUDIENCE === undefined) {
    problems.push('PLUGIN_GRAPH_JWT_ISSUER is set but PLUGIN_GRAPH_JWT_AUDIENCE is not: give both');
    return undefined;
  }
  return {
    issuer: e.PLUGIN_GRAPH_JWT_ISSUER,
    audience: e.PLUGIN_GRAPH_JWT_AUDIENCE,
    jwksUrl: e.PLUGIN_GRAPH_JWKS_URL,
    rolesClaim: e.PLUGIN_GRAPH_JWT_ROLES_CLAIM,
    nameClaim: e.PLUGIN_GRAPH_JWT_NAME_CLAIM,
  };
}

const TOKEN_NAME = /^[\w.@-]{1,64}$/;

export function parseTokens(text: string | undefined, problems: string[]): Map<string, TokenGrant> {
  const tokens = new Map<string, TokenGrant>();
  if (text === undefined) return tokens;
  for (const [index, entry] of text.split(',').entries()) {
    const [token, grant, ...rest] = entry.trim().split('=');
    const [role, name, ...more] = (grant ?? '').split(':');
    // Never echo the token itself in the problem: it is a secret.
    if (
      !token ||
      rest.length > 0 ||
      more.length > 0 ||
      (role !== 'operator' && role !== 'viewer')
    ) {
      problems.push(
        `PLUGIN_GRAPH_TOKENS entry ${index + 1}: expected <token>=operator, <token>=viewer or <token>=<role>:<name>`,
      );
      continue;
    }
    if (name !== undefined && !TOKEN_NAME.test(name)) {
      problems.push(
        `PLUGIN_GRAPH_TOKENS entry ${index + 1}: a token name is 1-64 letters, digits, _ . @ -`,
      );
      continue;
    }
    tokens.set(token, { role, name: name ?? unnamedTokenName(token) });
  }
  return tokens;
}

/** An unnamed token's name: `token-` and the first 8 hex digits of its SHA-256 (SPEC §11). */
export function unnamedTokenName(token: string): string {
  return `token-${createHash('sha256').update(token, 'utf8').digest('hex').slice(0, 8)}`;
}
