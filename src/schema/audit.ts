import { resolveCursorConnection } from '@pothos/plugin-relay';
import { AUDIT_ARGUMENT_LIMITS as LIMITS } from '../audit/bound.ts';
import { REFUSAL_RATE } from '../audit/refusals.ts';
import type { Actor, AuditEntry } from '../audit/types.ts';
import { AUDIT_OUTCOMES } from '../audit/types.ts';
import {
  assertOperator,
  auditCursor,
  auditEntriesByIds,
  auditScope,
  auditWindow,
  isOperator,
} from '../resolvers/audit.ts';
import { builder } from './builder.ts';
import { BackendEnum } from './enums.ts';
import { loadManyForRelay, nodeLoader } from './node-loader.ts';
import { relayPage } from './page-info.ts';
import { PAGE_SIZE } from './page-size.ts';
import { loadTask, TaskRef } from './task.ts';
import { resolveTarget } from './task-target.ts';

/**
 * The audit trail (SPEC §11): who did what, when, with which outcome. Entries are written by
 * every mutation (resolvers/audit.ts, through schema/mutation.ts) and by useAuth for a viewer's
 * refused mutation (FORBIDDEN).
 */

export const RoleEnum = builder.enumType('Role', {
  description: 'What a caller may do: a viewer queries and subscribes, an operator also mutates',
  values: { VIEWER: { value: 'viewer' }, OPERATOR: { value: 'operator' } } as const,
});

export const ActorRef = builder.objectRef<Actor>('Actor').implement({
  description: 'Who called: the token or JWT name, the role, and how they proved it',
  fields: (t) => ({
    name: t.exposeString('name', {
      description:
        'The token name (token=role:name; unnamed: token-<8 hex>), JWT subject, or anonymous',
    }),
    role: t.field({ type: RoleEnum, resolve: (actor) => actor.role }),
    via: t.exposeString('via', { description: 'token, jwt or demo (auth off)' }),
  }),
});

export const AuditOutcomeEnum = builder.enumType('AuditOutcome', {
  description:
    'ACCEPTED: a task started; REJECTED: a domain error result; FAILED: an error (an entry whose completion never came, the process killed, reads FAILED with errorCode INTERRUPTED); FORBIDDEN: a viewer refused',
  values: AUDIT_OUTCOMES,
});

const loadAuditEntry = nodeLoader<AuditEntry>('AuditEntry', auditEntriesByIds);

export const AuditEntryRef = builder.node(builder.objectRef<AuditEntry>('AuditEntry'), {
  description: 'One mutation, allowed or refused, as the audit trail keeps it',
  id: { resolve: (entry) => entry.id },
  loadMany: loadManyForRelay(loadAuditEntry),
  fields: (t) => ({
    at: t.expose('at', { type: 'DateTime', description: 'When the mutation came in' }),
    actor: t.field({ type: ActorRef, resolve: (entry) => entry.actor }),
    operation: t.exposeString('operation', { description: 'The mutation field' }),
    backend: t.field({
      type: BackendEnum,
      nullable: true,
      resolve: (entry) => entry.backend ?? null,
    }),
    endpoint: t.exposeString('endpoint', { nullable: true }),
    target: t.field({
      type: builder.nodeInterfaceRef(),
      nullable: true,
      description: 'The object acted on, where the mutation got that far; null once it is gone',
      resolve: (entry, _args, ctx) => (entry.target ? resolveTarget(entry.target, ctx) : null),
    }),
    arguments: t.field({
      type: 'JSON',
      nullable: true,
      description: `The arguments given, every secret replaced by "[redacted]", bounded: strings cut to ${LIMITS.stringChars} characters ("…[+N chars]"), lists and objects to ${LIMITS.items} members ("[+N more items]", a "[truncated]" field), nesting to ${LIMITS.depth} levels, the whole to ${LIMITS.bytes} bytes; null on an entry counting refused attempts`,
      resolve: (entry) => entry.arguments ?? null,
    }),
    argumentsTruncated: t.boolean({
      description: 'Whether `arguments` is a cut copy of what was given (or, counted, not kept)',
      resolve: (entry) => entry.argumentsTruncated === true,
    }),
    attempts: t.int({
      description: `How many attempts the entry stands for: 1, or a caller's refused attempts at this field past ${REFUSAL_RATE.stored} in a window of ${REFUSAL_RATE.windowMs / 1000} s, counted in this one entry instead of stored each`,
      resolve: (entry) => entry.attempts ?? 1,
    }),
    // `settle` (audit/types.ts) gives every listed entry an outcome.
    outcome: t.field({ type: AuditOutcomeEnum, resolve: (entry) => entry.outcome ?? 'FAILED' }),
    errorCode: t.exposeString('errorCode', {
      nullable: true,
      description: "The error's code (VALIDATION, CONFLICT, BACKEND_UNAVAILABLE, FORBIDDEN, …)",
    }),
    task: t.field({
      type: TaskRef,
      nullable: true,
      description: 'The task it started; null when none was, or once it expired',
      resolve: (entry, _args, ctx) =>
        entry.taskId
          ? loadTask(ctx)
              .load(entry.taskId)
              .catch(() => null)
          : null,
    }),
  }),
});

builder.objectField(TaskRef, 'startedBy', (t) =>
  t.field({
    type: ActorRef,
    nullable: true,
    description:
      'Who launched it, shown to operators only (as the audit log is): null for a viewer, and for tasks started before callers were recorded',
    // Names and roles of operators are the audit trail's business: a viewer sees the task, not
    // who started it (docs/audit.md).
    resolve: (task, _args, ctx) => (isOperator(ctx) ? (task.startedBy ?? null) : null),
  }),
);

builder.queryField('auditLog', (t) =>
  t.connection(
    {
      type: AuditEntryRef,
      // Non-null as SPEC §11 fixes it (clients' generated types rely on it): a viewer's
      // FORBIDDEN therefore nulls the response's data, as a refused mutation's does.
      description:
        'Every mutation, newest first (operator only: FORBIDDEN otherwise). Cursors are (time, id): pages hold still while entries are added',
      args: {
        actor: t.arg.string({ description: "Only this actor's entries, by name" }),
        operation: t.arg.string({ description: "Only this mutation field's entries" }),
        since: t.arg({ type: 'DateTime', description: 'Only entries at or after this instant' }),
      },
      resolve: async (_root, args, ctx) => {
        assertOperator(ctx);
        return relayPage(
          await resolveCursorConnection<Promise<AuditEntry[]>>(
            {
              args: {
                first: args.first ?? undefined,
                last: args.last ?? undefined,
                after: args.after ?? undefined,
                before: args.before ?? undefined,
              },
              toCursor: auditCursor,
              defaultSize: PAGE_SIZE.default,
              maxSize: PAGE_SIZE.max,
            },
            (window) => auditWindow(ctx.audit, args, window, auditScope(ctx)),
          ),
        );
      },
    },
    { name: 'AuditEntryConnection' },
    { name: 'AuditEntryEdge' },
  ),
);
