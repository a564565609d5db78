import { applianceVersion } from '../backends/appliance/ids.ts';
import { parseId } from '../backends/id-grammar.ts';
import { requireBackend } from '../backends/registry.ts';
import {
  BackendRejectedError,
  ConflictError,
  NotFoundError,
  ValidationError,
} from '../domain/errors.ts';
import { builder } from '../schema/builder.ts';
import { TaskRef } from '../schema/task.ts';
import { UpdateRef } from '../schema/update.ts';
import type { Task } from '../tasks/types.ts';

builder.queryField('updates', (t) =>
  t.field({
    type: [UpdateRef],
    // Nullable on purpose: when the appliance fails, only this field is null (with its coded
    // error) and the rest of the response still resolves (SPEC §5).
    nullable: true,
    description:
      'Updates the appliance can install (runs retrieve-updates; cached briefly); null with an error when the appliance fails',
    resolve: (_root, _args, ctx) => requireBackend(ctx.backends, 'appliance').listUpdates(),
  }),
);

const InstallUpdateInput = builder.inputType('InstallUpdateInput', {
  fields: (t) => ({
    version: t.string({ required: true, description: 'Version of an available update' }),
  }),
});

const InstallUpdatePayload = builder.objectRef<{ task: Task }>('InstallUpdatePayload').implement({
  fields: (t) => ({ task: t.field({ type: TaskRef, resolve: (p) => p.task }) }),
});

builder.mutationField('installUpdate', (t) =>
  t.field({
    type: InstallUpdatePayload,
    description:
      'Install an appliance update; the returned task follows the appliance task to its end',
    args: { input: t.arg({ type: InstallUpdateInput, required: true }) },
    errors: {
      types: [ValidationError, NotFoundError, ConflictError, BackendRejectedError],
      directResult: true,
      union: { name: 'InstallUpdateResult' },
    },
    resolve: async (_root, { input }, ctx) => {
      const version = parseId(applianceVersion, input.version, ['input', 'version']);
      const appliance = requireBackend(ctx.backends, 'appliance');
      const task = await ctx.tracker.launch({
        backend: 'appliance',
        operation: 'INSTALL_UPDATE',
        description: `Install update ${version}`,
        target: { type: 'Update', id: `appliance:${version}` },
        // The appliance installs one update at a time, whichever version.
        lockKey: 'appliance:update-manager:install',
        start: () => appliance.installUpdate(version),
      });
      return { task };
    },
  }),
);
