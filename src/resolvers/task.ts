import { createGraphQLError } from 'graphql-yoga';
import { visible } from '../auth/policy.ts';
import type { BackendName } from '../domain/backend.ts';
import { NotFoundError } from '../domain/errors.ts';
import type { Task, TaskStatus } from '../tasks/types.ts';
import type { Context } from './context.ts';
import { fromGlobalId } from './ids.ts';

/**
 * The stored task of that id if the caller sees its endpoint (SPEC §14, auth/policy.ts): an
 * invisible endpoint's task is answered exactly as an id nothing has.
 */
async function seenTask(ctx: Context, id: string): Promise<Task | undefined> {
  const task = await ctx.tracker.get(id);
  return task && visible(ctx, task.endpoint ?? task.backend) ? task : undefined;
}

/**
 * The endpoints whose tasks the caller sees, for the store's page query (filtered there, so an
 * offset counts visible tasks only); undefined without a policy: every endpoint's.
 */
function visibleEndpoints(ctx: Context): string[] | undefined {
  if (ctx.policy === undefined) return undefined;
  return ctx.endpoints.all.map((e) => e.name).filter((name) => visible(ctx, name));
}

/** A task by global id or object id `backend:…`; null once expired. */
export async function getTask(ctx: Context, id: string): Promise<Task | null> {
  return (await seenTask(ctx, fromGlobalId(id, 'Task') ?? id)) ?? null;
}

/** Tasks from the tracker's store, batched per request (the Task loader). */
export function tasksByIds(ids: readonly string[], ctx: Context): Promise<(Task | Error)[]> {
  return Promise.all(
    ids.map(async (id) => (await seenTask(ctx, id)) ?? new NotFoundError('Task', id)),
  );
}

/** The task a ConflictError names: it runs, so it is in the store. */
export async function runningTask(ctx: Context, taskId: string): Promise<Task> {
  const task = await ctx.tracker.get(taskId);
  if (!task) throw new Error(`running task ${taskId} vanished from the store`);
  return task;
}

/** Tracked tasks, newest first, of one backend and in some states where asked. */
export async function listTasks(
  ctx: Context,
  args: {
    backend?: BackendName | null;
    endpoint?: string | null;
    status?: readonly TaskStatus[] | null;
  },
): Promise<Task[]> {
  const statuses = args.status ? new Set(args.status) : undefined;
  return (await ctx.tracker.list())
    .filter((task) => visible(ctx, task.endpoint ?? task.backend))
    .filter((task) => (args.backend ? task.backend === args.backend : true))
    .filter((task) => (args.endpoint ? (task.endpoint ?? task.backend) === args.endpoint : true))
    .filter((task) => (statuses ? statuses.has(task.status) : true))
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || a.id.localeCompare(b.id));
}

/** One page of tracked tasks, newest first, read through the store's index by status and time. */
export function pageTasks(
  ctx: Context,
  args: {
    backend?: BackendName | null;
    endpoint?: string | null;
    status?: readonly TaskStatus[] | null;
  },
  range: { offset: number; limit: number },
): Promise<Task[]> {
  return ctx.tracker.page({
    statuses: args.status ?? undefined,
    backend: args.backend ?? undefined,
    endpoint: args.endpoint ?? undefined,
    endpoints: visibleEndpoints(ctx),
    ...range,
  });
}

/** `taskProgress`: the task's current state, then every change; NOT_FOUND for an unknown id. */
export async function watchTask(ctx: Context, id: string) {
  const taskId = fromGlobalId(id, 'Task') ?? id;
  const changes = (await seenTask(ctx, taskId)) && (await ctx.tracker.watch(taskId));
  if (!changes) {
    throw createGraphQLError(`Task ${id} not found`, { extensions: { code: 'NOT_FOUND' } });
  }
  return changes;
}
