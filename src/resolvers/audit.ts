import { createGraphQLError } from 'graphql-yoga';
import type { AuditTrail } from '../audit/trail.ts';
import { type AuditEntry, type AuditPlace, type AuditScope, inScope } from '../audit/types.ts';
import { ANONYMOUS_OPERATOR, callerOf } from '../auth/auth.ts';
import { callerScope, operatesAny } from '../auth/policy.ts';
import { BACKENDS } from '../domain/backend.ts';
import { NotFoundError } from '../domain/errors.ts';
import type { Context } from './context.ts';

/** `auditLog` is an operator's: a viewer gets FORBIDDEN on that field alone. */
export function assertOperator(ctx: Context): void {
  if (!isOperator(ctx)) throw forbidden();
}

/**
 * Operators see who did what (the audit log, `Task.startedBy`); viewers see what was done.
 * Under a policy, an operator is a caller with an operator grant on some endpoint.
 */
export function isOperator(ctx: Context): boolean {
  return operatesAny(
    ctx,
    ctx.endpoints.all.map((e) => e.name),
  );
}

/**
 * The part of the trail the caller reads (SPEC §14): entries of the endpoints (or, naming none,
 * backends) it operates, and its own; undefined without a policy: all of it.
 */
export function auditScope(ctx: Context): AuditScope | undefined {
  if (ctx.policy === undefined) return undefined;
  const scope = callerScope(ctx);
  const names = [...ctx.endpoints.all.map((e) => e.name), ...BACKENDS];
  return {
    places: [...new Set(names)].filter((name) => scope.roleOn(name) === 'operator'),
    actor: (callerOf(ctx) ?? ANONYMOUS_OPERATOR).name,
  };
}

function forbidden() {
  return createGraphQLError('The audit log needs an operator token', {
    extensions: { code: 'FORBIDDEN' },
  });
}

/** Cursors are opaque: base64url of the entry's place, `<ms>:<id>` (stable under inserts). */
export function auditCursor(entry: AuditPlace): string {
  return Buffer.from(`${entry.at.getTime()}:${entry.id}`).toString('base64url');
}

export function fromAuditCursor(cursor: string): AuditPlace {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^(\d{1,15}):(.+)$/.exec(text);
  if (!match) {
    throw createGraphQLError('Invalid cursor', { extensions: { code: 'BAD_USER_INPUT' } });
  }
  return { at: new Date(Number(match[1])), id: match[2] as string };
}

export interface AuditLogArgs {
  readonly actor?: string | null | undefined;
  readonly operation?: string | null | undefined;
  readonly since?: Date | null | undefined;
}

/** One page of the trail for resolveCursorConnection's window. */
export function auditWindow(
  trail: AuditTrail,
  args: AuditLogArgs,
  window: { before?: string; after?: string; limit: number; inverted: boolean },
  scope?: AuditScope,
): Promise<AuditEntry[]> {
  return trail.page({
    scope,
    actor: args.actor ?? undefined,
    operation: args.operation ?? undefined,
    since: args.since ?? undefined,
    olderThan: window.after === undefined ? undefined : fromAuditCursor(window.after),
    newerThan: window.before === undefined ? undefined : fromAuditCursor(window.before),
    limit: window.limit,
    oldestFirst: window.inverted,
  });
}

/** Entries by object id (the Node loader); like `auditLog`, an operator's only. */
export function auditEntriesByIds(
  ids: readonly string[],
  ctx: Context,
): Promise<(AuditEntry | Error)[]> {
  if (!isOperator(ctx)) return Promise.all(ids.map(() => forbidden()));
  const scope = auditScope(ctx);
  return Promise.all(
    ids.map(async (id) => {
      const entry = await ctx.audit.get(id);
      return entry && (!scope || inScope(entry, scope))
        ? entry
        : new NotFoundError('AuditEntry', id);
    }),
  );
}
