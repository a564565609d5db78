import { resolveArrayConnection } from '@pothos/plugin-relay';
import { type BackendFailure, failuresField } from '../schema/backend-failure.ts';
import { builder } from '../schema/builder.ts';
import { BackendEnum, TaskStatusEnum } from '../schema/enums.ts';
import { fromGlobalId } from '../schema/ids.ts';
import { PAGE_SIZE } from '../schema/page-size.ts';
import { TaskRef } from '../schema/task.ts';

builder.queryField('task', (t) =>
  t.field({
    type: TaskRef,
    nullable: true,
    description: 'A task by its global id (or its object id `backend:…`); null once expired',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) =>
      (await ctx.tracker.get(fromGlobalId(id, 'Task') ?? id)) ?? null,
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
        status: t.arg({
          type: [TaskStatusEnum],
          description: 'Only tasks in one of these states; default every state',
        }),
      },
      resolve: async (_root, args, ctx) => {
        const statuses = args.status ? new Set(args.status) : undefined;
        const tasks = (await ctx.tracker.list())
          .filter((task) => (args.backend ? task.backend === args.backend : true))
          .filter((task) => (statuses ? statuses.has(task.status) : true))
          .sort(
            (a, b) => b.createdAt.getTime() - a.createdAt.getTime() || a.id.localeCompare(b.id),
          );
        // Tasks are read from the task store, not from the backends: no backend's part can be
        // missing, so `failures` (kept for the same shape as the other lists) is always empty.
        const page = await resolveArrayConnection(
          { args, defaultSize: PAGE_SIZE.default, maxSize: PAGE_SIZE.max },
          tasks,
        );
        return { ...page, failures: [] as BackendFailure[] };
      },
    },
    { name: 'TaskConnection', fields: (t) => ({ failures: failuresField(t) }) },
    { name: 'TaskEdge' },
  ),
);
