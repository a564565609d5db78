import { resolveArrayConnection, resolveOffsetConnection } from '@pothos/plugin-relay';
import { getTask, listTasks, pageTasks, tasksByIds, watchTask } from '../resolvers/task.ts';
import { TASK_OPERATIONS, TASK_STATUSES, type Task, type TaskError } from '../tasks/types.ts';
import { type BackendFailure, failuresField } from './backend-failure.ts';
import { builder } from './builder.ts';
import { BackendEnum } from './enums.ts';
import { loadEntity, loadManyForRelay, nodeLoader } from './node-loader.ts';
import { relayPage } from './page-info.ts';
import { PAGE_SIZE } from './page-size.ts';

export const TaskStatusEnum = builder.enumType('TaskStatus', { values: TASK_STATUSES });
export const TaskOperationEnum = builder.enumType('TaskOperation', { values: TASK_OPERATIONS });

export const TaskErrorRef = builder.objectRef<TaskError>('TaskError').implement({
  fields: (t) => ({
    code: t.exposeString('code', {
      description:
        "Vendor code (e.g. SYS.1006) or ours (TRACKING_LOST, JOB_EXPIRED, LAUNCH_INTERRUPTED, TASK_TIMEOUT, NOT_STARTED, OUTCOME_UNKNOWN). OUTCOME_UNKNOWN on a RUNNING task: the vendor write was sent but its answer lost; the task holds its target while the vendor's state is read (then it follows the vendor's task, or ends NOT_STARTED, or ends ERROR OUTCOME_UNKNOWN when the vendor cannot tell)",
    }),
    message: t.exposeString('message'),
    details: t.exposeString('details', { nullable: true }),
  }),
});

/** The request's Task loader: tasks from the tracker's store, batched per request. */
export const loadTask = nodeLoader<Task>('Task', tasksByIds);

/** A task the tracker follows; its id is the tracker's. */
export const TaskRef = builder.node(builder.objectRef<Task>('Task'), {
  description: 'A backend operation followed to its end',
  id: { resolve: (task: Task) => task.id },
  loadMany: loadManyForRelay(loadTask),
  fields: (t) => ({
    backend: t.field({ type: BackendEnum, resolve: (task) => task.backend }),
    endpoint: t.string({
      description: 'The endpoint it runs on (SPEC §10)',
      resolve: (task) => task.endpoint ?? task.backend,
    }),
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

builder.queryField('task', (t) =>
  t.field({
    type: TaskRef,
    nullable: true,
    description: 'A task by its global id (or its object id `endpoint:…`); null once expired',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, ctx) => getTask(ctx, id),
  }),
);

builder.queryField('tasks', (t) =>
  t.connection(
    {
      type: TaskRef,
      description: 'Tracked tasks, newest first',
      args: {
        backend: t.arg({
          type: BackendEnum,
          description: "Only this backend's tasks; default every backend's",
        }),
        endpoint: t.arg.string({
          description: "Only this endpoint's tasks; default every endpoint's",
        }),
        status: t.arg({
          type: [TaskStatusEnum],
          description: 'Only tasks in one of these states; default every state',
        }),
      },
      resolve: async (_root, args, ctx) => {
        // Tasks are read from the task store, not from the backends: no backend's part can be
        // missing, so `failures` (kept for the same shape as the other lists) is always empty.
        const options = { args, defaultSize: PAGE_SIZE.default, maxSize: PAGE_SIZE.max };
        // Forward pages read O(page) through the store's status index; `last` alone needs the
        // end of the list, so it alone reads it whole.
        const page =
          args.last != null && args.before == null && args.first == null
            ? resolveArrayConnection(options, await listTasks(ctx, args))
            : await resolveOffsetConnection(options, (range) => pageTasks(ctx, args, range));
        return { ...relayPage(page), failures: [] as BackendFailure[] };
      },
    },
    { name: 'TaskConnection', fields: (t) => ({ failures: failuresField(t) }) },
    { name: 'TaskEdge' },
  ),
);

builder.subscriptionField('taskProgress', (t) =>
  t.field({
    type: TaskRef,
    description:
      "A task's current state at once, then every change (status, progress, error); completes after a terminal state",
    args: { id: t.arg.id({ required: true, description: 'Global id or object id `endpoint:…`' }) },
    subscribe: (_root, { id }, ctx) => watchTask(ctx, id),
    resolve: (task: Task) => task,
  }),
);
