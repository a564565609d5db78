import { createGraphQLError } from 'graphql-yoga';
import type { AuditOutcome } from '../audit/types.ts';
import { ANONYMOUS_OPERATOR, callerOf } from '../auth/auth.ts';
import { callerScope } from '../auth/policy.ts';
import { BackendError } from '../backends/errors.ts';
import type { BackendName } from '../domain/backend.ts';
import { DomainError, NotFoundError } from '../domain/errors.ts';
import type { Installation } from '../domain/model.ts';
import { StoreUnavailableError } from '../store/errors.ts';
import type { LaunchBy } from '../tasks/launch.ts';
import type { LaunchPlan } from '../tasks/plan.ts';
import type { Started, Task } from '../tasks/types.ts';
import type { Context } from './context.ts';

/** What a mutation returns: the task, plus what it changed where there is one. */
export interface TaskResult {
  readonly task: Task;
  /** Object id of the plugin acted on, resolved through the request's plugin loader. */
  readonly pluginId?: string;
  readonly installation?: Installation;
}

/** Which mutation runs: its field name and backend, known before its input is even read. */
export interface MutationField {
  readonly operation: string;
  readonly backend: BackendName;
}

/** A mutation's arguments as the audit keeps them (redacted and bounded there). */
export type MutationArgs = { readonly input?: { readonly endpoint?: string | null } } & Record<
  string,
  unknown
>;

/**
 * Every task mutation, in a straight line (SPEC §11): the audit entry is written first (a trail
 * that cannot take it fails the field with STORE_UNAVAILABLE before the input is even read, so
 * the vendor is never reached), then the plan is built (every input problem is a ValidationError
 * here, before any call), launched (the task stored, then the one vendor call: tasks/launch.ts),
 * and the entry completed with the plan's endpoint and target and the outcome: ACCEPTED (a task
 * started), REJECTED (a domain error: validation, not found, conflict, backend rejected…), FAILED
 * (any other: backend down, store unavailable). The field's own result or error passes unchanged.
 */
export async function runMutation(
  ctx: Context,
  field: MutationField,
  args: MutationArgs,
  plan: () => LaunchPlan | Promise<LaunchPlan>,
  /** A rollout's unit: the rollout and the task id stored with the unit before the launch. */
  unit?: Pick<LaunchBy, 'id' | 'rollout'>,
): Promise<TaskResult> {
  const caller = callerOf(ctx);
  const given = args.input?.endpoint ?? undefined;
  const entry = await ctx.audit.begin({
    actor: caller ?? ANONYMOUS_OPERATOR,
    operation: field.operation,
    backend: field.backend,
    endpoint: given,
    arguments: args,
  });
  let decided: LaunchPlan | undefined;
  try {
    decided = await plan();
    mayOperate(ctx, decided, field);
    const result = await launch(ctx, decided, unit);
    await ctx.audit.complete(entry, {
      outcome: 'ACCEPTED',
      endpoint: result.task.endpoint ?? result.task.backend,
      target: result.task.target ?? decided.target,
      taskId: result.task.id,
    });
    return result;
  } catch (err) {
    await ctx.audit.complete(entry, {
      ...outcomeOf(err),
      endpoint: decided?.endpoint ?? given,
      target: decided?.target,
    });
    throw err;
  }
}

/**
 * Scoped access (SPEC §14), checked here once for every mutation and rollout unit, on the
 * endpoint its plan runs on: invisible to the caller, it is NOT_FOUND, as an id nothing has;
 * seen but not operated, FORBIDDEN (audited as such by the catch above).
 */
function mayOperate(ctx: Context, plan: LaunchPlan, field: MutationField): void {
  const endpoint = plan.endpoint ?? field.backend;
  const role = callerScope(ctx).roleOn(endpoint);
  if (role === 'operator') return;
  if (role === undefined)
    throw new NotFoundError(plan.target?.type ?? 'Endpoint', plan.target?.id ?? endpoint);
  throw createGraphQLError(`Changing endpoint ${endpoint} needs an operator grant on it`, {
    extensions: { code: 'FORBIDDEN' },
  });
}

/**
 * Launches the plan as the caller (kept on the task: `Task.startedBy`) and returns the task with
 * the plugin it acts on, and what a call that finished at once installed (KorAP).
 */
async function launch(
  ctx: Context,
  plan: LaunchPlan,
  unit: Pick<LaunchBy, 'id' | 'rollout'> = {},
): Promise<TaskResult> {
  const caller = callerOf(ctx);
  const startedBy = caller && { name: caller.name, role: caller.role, via: caller.via };
  let answered: Started | undefined;
  const task = await ctx.tracker.launch(
    { ...plan, start: async (write) => (answered = await plan.start(write)) },
    { startedBy, ...unit },
  );
  const installation = answered?.installation;
  return {
    task,
    ...(plan.target?.type === 'Plugin' && { pluginId: plan.target.id }),
    ...(installation !== undefined && { installation }),
  };
}

export function outcomeOf(err: unknown): { outcome: AuditOutcome; errorCode: string } {
  if (err instanceof DomainError) return { outcome: 'REJECTED', errorCode: err.code };
  if (err instanceof BackendError || err instanceof StoreUnavailableError)
    return { outcome: 'FAILED', errorCode: err.code };
  const code = (err as { extensions?: { code?: unknown } }).extensions?.code;
  if (code === 'FORBIDDEN') return { outcome: 'FORBIDDEN', errorCode: code };
  return {
    outcome: 'FAILED',
    errorCode: typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR',
  };
}
