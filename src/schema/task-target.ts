import { brandWithType } from '@pothos/core';
import { NotFoundError } from '../domain/errors.ts';
import type { Context } from '../resolvers/context.ts';
import type { TaskTarget } from '../tasks/types.ts';
import { builder } from './builder.ts';
import { HostRef, loadHost } from './host.ts';
import { InstallationRef, loadInstallation } from './installation.ts';
import { loadPlugin, PluginRef } from './plugin.ts';
import { TaskRef } from './task.ts';
import { loadUpdate, UpdateRef } from './update.ts';

/**
 * `Task.target`: the object acted on. Each target type resolves through its request-scoped
 * loader, so a list of tasks costs one list per type and endpoint. A target that no
 * longer exists (a deleted driver) is null.
 */
builder.objectField(TaskRef, 'target', (t) =>
  t.field({
    type: builder.nodeInterfaceRef(),
    nullable: true,
    description: 'The Plugin, Installation, Host or Update acted on',
    resolve: (task, _args, ctx) => (task.target ? resolveTarget(task.target, ctx) : null),
  }),
);

/**
 * The object a task or audit entry acted on, through its request-scoped loader; null once gone
 * (an installed update keeps its version).
 */
export async function resolveTarget(target: TaskTarget, ctx: Context): Promise<object | null> {
  const refs = {
    Plugin: [PluginRef, loadPlugin],
    Host: [HostRef, loadHost],
    Installation: [InstallationRef, loadInstallation],
  } as const;
  if (target.type === 'Update') {
    // An installed update leaves the available list; its version is still what was acted on.
    const update = await loadUpdate(ctx)
      .load(target.id)
      .catch(() => ({ version: target.id.replace(/^appliance:/, '') }));
    brandWithType(update, UpdateRef);
    return update;
  }
  const [ref, loader] = refs[target.type];
  try {
    const found: object = await loader(ctx).load(target.id);
    // Tell the Node interface which type this is (loaded objects carry no __typename).
    brandWithType(found, ref);
    return found;
  } catch (err) {
    if (err instanceof NotFoundError) return null;
    throw err;
  }
}
