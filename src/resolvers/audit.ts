import { createGraphQLError } from 'graphql-yoga';
import type { AuditTrail } from '../audit/trail.ts';
import type { AuditEntry, AuditOutcome, AuditPlace } from '../audit/types.ts';
import { ANONYMOUS_OPERATOR, callerOf } from '../auth/auth.ts';
import { BackendError } from '../backends/errors.ts';
import type { BackendName } from '../domain/backend.ts';
import { DomainError, NotFoundError } from '../domain/errors.ts';
import { requestSlot } from '../request/slot.ts';
import { StoreUnavailableError } from '../store/errors.ts';
import type { LaunchOptions } from '../tasks/launch.ts';
import type { Task, TaskTarget } from '../tasks/types.ts';
import type { Context } from './context.ts';

/** What the running mutation field launched: where, and on what (set by `launchTask`). */
interface AuditScope {
  endpoint?: string;
  target?: TaskTarget;
}

// Top-level mutation fields run one after another (GraphQL), so one slot per request holds the
// scope of the one running.
const scopes = requestSlot<AuditScope>('plugin-graph.audit-scope');

/** Called by `launchTask` before the vendor call: the entry then names endpoint and target. */
export function noteLaunch(ctx: Context, options: Pick<LaunchOptions, 'endpoint' | 'target'>) {
  const scope = scopes.get(ctx);
  if (!scope) return;
  if (options.endpoint !== undefined) scope.endpoint = options.endpoint;
  if (options.target !== undefined) scope.target = options.target;
}

/**
 * A mutation field under the audit (SPEC §11): the entry is written first (a trail that cannot
 * take it fails the field with STORE_UNAVAILABLE, and `run`, the only way to the vendor, never
 * starts), then completed with the outcome: ACCEPTED (a task started), REJECTED (a domain error:
 * validation, not found, conflict, backend rejected…), FAILED (any other error: backend down,
 * store unavailable). The field's own result or error is passed on unchanged.
 */
export async function auditedMutation<Result extends { readonly task: Task }>(
  ctx: Context,
  field: { readonly operation: string; readonly backend: BackendName },
  args: { readonly input?: { readonly endpoint?: string | null } } & Record<string, unknown>,
  run: () => Promise<Result>,
): Promise<Result> {
  const caller = callerOf(ctx) ?? ANONYMOUS_OPERATOR;
  const given = args.input?.endpoint ?? undefined;
  const start = await ctx.audit.begin({
    actor: caller,
    operation: field.operation,
    backend: field.backend,
    endpoint: given,
    arguments: args,
  });
  const scope: AuditScope = {};
  scopes.set(ctx, scope);
  try {
    const result = await run();
    await ctx.audit.complete(start, {
      outcome: 'ACCEPTED',
      endpoint: result.task.endpoint ?? result.task.backend,
      target: result.task.target ?? scope.target,
      taskId: result.task.id,
    });
    return result;
  } catch (err) {
    const { outcome, errorCode } = outcomeOf(err);
    await ctx.audit.complete(start, {
      outcome,
      errorCode,
      endpoint: scope.endpoint ?? given,
      target: scope.target,
    });
    throw err;
  } finally {
    scopes.set(ctx, {});
  }
}

function outcomeOf(err: unknown): { outcome: AuditOutcome; errorCode: string } {
  if (err instanceof DomainError) return { outcome: 'REJECTED', errorCode: err.code };
  if (err instanceof BackendError || err instanceof StoreUnavailableError)
    return { outcome: 'FAILED', errorCode: err.code };
  const code = (err as { extensions?: { code?: unknown } }).extensions?.code;
  return {
    outcome: 'FAILED',
    errorCode: typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR',
  };
}

/** `auditLog` is an operator's: a viewer gets FORBIDDEN on that field alone. */
export function assertOperator(ctx: Context): void {
  if (!isOperator(ctx)) throw forbidden();
}

/** Operators see who did what (the audit log, `Task.startedBy`); viewers see what was done. */
export function isOperator(ctx: Context): boolean {
  return (callerOf(ctx) ?? ANONYMOUS_OPERATOR).role === 'operator';
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
): Promise<AuditEntry[]> {
  return trail.page({
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
  if ((callerOf(ctx) ?? ANONYMOUS_OPERATOR).role !== 'operator') {
    return Promise.all(ids.map(() => forbidden()));
  }
  return Promise.all(
    ids.map(async (id) => (await ctx.audit.get(id)) ?? new NotFoundError('AuditEntry', id)),
  );
}
