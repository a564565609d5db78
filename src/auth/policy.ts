import type { PolicyConfig, Role } from '../config/index.ts';
import { requestSlot } from '../request/slot.ts';
import { type Caller, callerOf } from './auth.ts';

/**
 * Scoped access (SPEC §14): the policy file's grants compiled once into a lookup. A caller's
 * scope (the grants whose subjects name it) is built once per request and answers an endpoint's
 * effective role from a map, memoized per endpoint: a list of thousands of rows costs one lookup
 * per endpoint, not a scan of the grants per row.
 */

/** What one caller may do where, for one request. */
export interface CallerScope {
  /** The caller's role on that endpoint; undefined: the endpoint is invisible to it. */
  roleOn(endpoint: string): Role | undefined;
  /**
   * Identifies what the caller may see, for the response cache (schema/response-cache.ts): equal
   * for two callers exactly when the same grants apply to both (and they hold the same role).
   */
  readonly key: string;
}

/** The compiled policy: a caller's scope. */
export interface AccessPolicy {
  scopeOf(caller: Caller): CallerScope;
}

interface CompiledGrant {
  readonly index: number;
  readonly role: Role;
  /** undefined: every endpoint. */
  readonly names?: ReadonlySet<string>;
  readonly globs?: readonly RegExp[];
}

const RANK: Readonly<Record<Role, number>> = { viewer: 1, operator: 2 };

function higher(a: Role | undefined, b: Role | undefined): Role | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return RANK[b] > RANK[a] ? b : a;
}

function globToRegExp(glob: string): RegExp {
  // Endpoint patterns hold only [a-z0-9-*?] (config/policy.ts): no other character to escape.
  return new RegExp(`^${glob.replaceAll('*', '.*').replaceAll('?', '.')}$`);
}

const GLOB = /[*?]/;

/** The policy compiled, or undefined without a file: then every role applies everywhere. */
export function compilePolicy(policy: PolicyConfig | undefined): AccessPolicy | undefined {
  if (policy === undefined) return undefined;
  const bySubject = new Map<string, CompiledGrant[]>();
  for (const [index, grant] of policy.grants.entries()) {
    const compiled: CompiledGrant =
      grant.endpoints === undefined
        ? { index, role: grant.role }
        : {
            index,
            role: grant.role,
            names: new Set(grant.endpoints.filter((e) => !GLOB.test(e))),
            globs: grant.endpoints.filter((e) => GLOB.test(e)).map(globToRegExp),
          };
    for (const subject of new Set(grant.subjects)) {
      const list = bySubject.get(subject) ?? [];
      list.push(compiled);
      bySubject.set(subject, list);
    }
  }
  return {
    scopeOf(caller) {
      const subjects = [
        `user:${caller.name}`,
        `role:${caller.role}`,
        ...(caller.groups ?? []).map((g) => `group:${g}`),
      ];
      const grants = new Map<number, CompiledGrant>();
      for (const subject of subjects)
        for (const grant of bySubject.get(subject) ?? []) grants.set(grant.index, grant);
      return scopeFrom(caller.role, [...grants.values()]);
    },
  };
}

function scopeFrom(role: Role, grants: readonly CompiledGrant[]): CallerScope {
  let everywhere: Role | undefined;
  const named = new Map<string, Role>();
  const globbed: { readonly glob: RegExp; readonly role: Role }[] = [];
  for (const grant of grants) {
    if (grant.names === undefined) everywhere = higher(everywhere, grant.role);
    for (const name of grant.names ?? [])
      named.set(name, higher(named.get(name), grant.role) ?? grant.role);
    for (const glob of grant.globs ?? []) globbed.push({ glob, role: grant.role });
  }
  const memo = new Map<string, Role | undefined>();
  return {
    key: `${role}|${grants
      .map((g) => g.index)
      .sort((a, b) => a - b)
      .join(',')}`,
    roleOn(endpoint) {
      if (memo.has(endpoint)) return memo.get(endpoint);
      let found = higher(everywhere, named.get(endpoint));
      for (const { glob, role: granted } of globbed)
        if (found !== 'operator' && glob.test(endpoint)) found = higher(found, granted);
      memo.set(endpoint, found);
      return found;
    },
  };
}

/**
 * Without a policy: the caller's own role on every endpoint (as before SPEC §14); nobody named
 * (work outside any request) acts as the anonymous operator, as the audit names it. Under a
 * policy nobody named sees nothing.
 */
function unscoped(policy: AccessPolicy | undefined, caller: Caller | undefined): CallerScope {
  const role = caller?.role ?? (policy === undefined ? 'operator' : undefined);
  return { key: role ?? 'anonymous', roleOn: () => role };
}

const scopes = requestSlot<CallerScope>('plugin-graph.caller-scope');

/**
 * The scope of the operation's caller, built once per request and kept on its context. Reads
 * the compiled policy from the context (`policy`, resolvers/context.ts). No caller (a rollout's
 * unit outside a request, auth off): the unscoped caller, or every endpoint invisible under a
 * policy when nobody is calling.
 */
export function callerScope(context: object): CallerScope {
  const known = scopes.get(context);
  if (known) return known;
  const policy = (context as { policy?: AccessPolicy }).policy;
  const caller = callerOf(context);
  const scope =
    policy === undefined || caller === undefined
      ? unscoped(policy, caller)
      : policy.scopeOf(caller);
  // Not kept before useAuth has named the caller: a later call must see it.
  if (caller !== undefined) scopes.set(context, scope);
  return scope;
}

/** Whether the operation's caller sees that endpoint (any role on it). */
export function visible(context: object, endpoint: string): boolean {
  return callerScope(context).roleOn(endpoint) !== undefined;
}

/**
 * Whether the caller operates anywhere among `endpoints`: without a policy, whether its role is
 * operator (nobody named, outside a request, is the anonymous operator); with one, whether it
 * holds an operator grant on one of them. useAuth lets a mutation through on this, before any
 * resolver; runMutation's check on the field's own endpoint then decides.
 */
export function operatesAny(context: object, endpoints: readonly string[]): boolean {
  if ((context as { policy?: AccessPolicy }).policy === undefined)
    return (callerOf(context)?.role ?? 'operator') === 'operator';
  const scope = callerScope(context);
  return endpoints.some((endpoint) => scope.roleOn(endpoint) === 'operator');
}
