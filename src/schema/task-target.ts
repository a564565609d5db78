import { brandWithType } from '@pothos/core';
import { builder } from './builder.ts';
import { TaskRef } from './task.ts';
import { UpdateRef } from './update.ts';

/**
 * `Task.target`: the object acted on. Each target type resolves through its request-scoped
 * loader, so a list of tasks costs one backend call per type.
 */
builder.objectField(TaskRef, 'target', (t) =>
  t.field({
    type: builder.nodeInterfaceRef(),
    nullable: true,
    description: 'The Plugin, Installation or Update acted on',
    resolve: async (task, _args, ctx) => {
      const target = task.target;
      if (!target) return null;
      switch (target.type) {
        case 'Update': {
          // An installed update leaves the available list; its version is still what was acted on.
          const update = await UpdateRef.getDataloader(ctx)
            .load(target.id)
            .catch(() => ({ version: target.id.replace(/^appliance:/, '') }));
          // Tell the Node interface which type this is (loaded objects carry no __typename).
          brandWithType(update, UpdateRef);
          return update;
        }
        default:
          return null;
      }
    },
  }),
);
