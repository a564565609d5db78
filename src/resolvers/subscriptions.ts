import { createGraphQLError } from 'graphql-yoga';
import { builder } from '../schema/builder.ts';
import { fromGlobalId } from '../schema/ids.ts';
import { TaskRef } from '../schema/task.ts';
import type { Task } from '../tasks/types.ts';

builder.subscriptionField('taskProgress', (t) =>
  t.field({
    type: TaskRef,
    description:
      "A task's current state at once, then every change (status, progress, error); completes after a terminal state",
    args: { id: t.arg.id({ required: true, description: 'Global id or object id `backend:…`' }) },
    subscribe: async (_root, { id }, ctx) => {
      const changes = await ctx.tracker.watch(fromGlobalId(id, 'Task') ?? id);
      if (!changes) {
        throw createGraphQLError(`Task ${id} not found`, { extensions: { code: 'NOT_FOUND' } });
      }
      return changes;
    },
    resolve: (task: Task) => task,
  }),
);
