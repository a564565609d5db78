import { NotFoundError } from '../domain/errors.ts';
import type { Installation } from '../domain/model.ts';
import type { Task } from '../tasks/types.ts';
import { builder } from './builder.ts';
import { InstallationRef } from './installation.ts';
import { loadPlugin, PluginRef } from './plugin.ts';
import { TaskRef } from './task.ts';

/** What every mutation payload carries: the task, plus what it changed where there is one. */
export interface PayloadShape {
  readonly task: Task;
  /** Object id of the plugin acted on, resolved through the request's plugin loader. */
  readonly pluginId?: string;
  readonly installation?: Installation;
}

export function payloadType(
  name: string,
  options: { plugin?: boolean; installation?: boolean } = {},
) {
  return builder.objectRef<PayloadShape>(name).implement({
    fields: (t) => ({
      task: t.field({ type: TaskRef, resolve: (p) => p.task }),
      ...(options.plugin
        ? {
            plugin: t.field({
              type: PluginRef,
              nullable: true,
              description: 'The plugin as it is now (null once it is gone)',
              resolve: async (p, _args, ctx) =>
                p.pluginId ? loadPlugin(ctx).load(p.pluginId).catch(nullIfNotFound) : null,
            }),
          }
        : {}),
      ...(options.installation
        ? {
            installation: t.field({
              type: InstallationRef,
              nullable: true,
              resolve: (p) => p.installation ?? null,
            }),
          }
        : {}),
    }),
  });
}

function nullIfNotFound(err: unknown): null {
  if (err instanceof NotFoundError) return null;
  throw err;
}
