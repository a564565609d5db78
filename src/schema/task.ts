import { NotFoundError } from '../domain/errors.ts';
import type { Task, TaskError } from '../tasks/types.ts';
import { builder } from './builder.ts';
import { BackendEnum, TaskOperationEnum, TaskStatusEnum } from './enums.ts';
import { loadManyForRelay, nodeLoader } from './node-loader.ts';
import { loadEntity } from './plugin.ts';

const TaskErrorRef = builder.objectRef<TaskError>('TaskError').implement({
  fields: (t) => ({
    code: t.exposeString('code', {
      description: 'Vendor code (e.g. SYS.1006) or ours (TRACKING_LOST, JOB_EXPIRED)',
    }),
    message: t.exposeString('message'),
    details: t.exposeString('details', { nullable: true }),
  }),
});

/** The request's Task loader: tasks from the tracker's store, batched per request. */
export const loadTask = nodeLoader<Task>('Task', (ids, ctx) =>
  Promise.all(ids.map(async (id) => (await ctx.tracker.get(id)) ?? new NotFoundError('Task', id))),
);

/** A task the tracker follows; its id is the tracker's. */
export const TaskRef = builder.node(builder.objectRef<Task>('Task'), {
  description: 'A backend operation followed to its end',
  id: { resolve: (task: Task) => task.id },
  loadMany: loadManyForRelay(loadTask),
  fields: (t) => ({
    backend: t.field({ type: BackendEnum, resolve: (task) => task.backend }),
    nativeId: t.exposeString('nativeId', {
      nullable: true,
      description: 'The vendor task or job id, where one exists',
    }),
    operation: t.field({ type: TaskOperationEnum, resolve: (task) => task.operation }),
    description: t.exposeString('description', { nullable: true }),
    status: t.field({ type: TaskStatusEnum, resolve: (task) => task.status }),
    progress: t.exposeInt('progress', {
      nullable: true,
      description: '0..100; null while unknown',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true }),
    completedAt: t.expose('completedAt', { type: 'DateTime', nullable: true }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    error: t.field({ type: TaskErrorRef, nullable: true, resolve: (task) => task.error }),
  }),
});

builder.asEntity(TaskRef, {
  key: builder.selection<{ id: string }>('id'),
  resolveReference: (ref, ctx) => loadEntity(ref.id, 'Task', (id) => loadTask(ctx).load(id)),
});
