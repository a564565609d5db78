import { parseId } from '../backends/id-grammar.ts';
import { requireBackend } from '../backends/registry.ts';
import { zstackDriverName, zstackUuid } from '../backends/zstack/ids.ts';
import type { Context } from '../context.ts';
import { nativeIdArg } from './ids.ts';
import { launchTask, type TaskResult } from './task.ts';

export interface DeletePluginDriverInput {
  readonly pluginId: string;
  readonly deleteMode?: 'Permissive' | 'Enforcing' | null;
}

/** Delete a ZStack plugin driver (an asynchronous job). */
export async function deletePluginDriver(
  input: DeletePluginDriverInput,
  ctx: Context,
): Promise<TaskResult> {
  const uuid = nativeIdArg(input.pluginId, 'Plugin', 'zstack', ['input', 'pluginId'], zstackUuid);
  const zstack = requireBackend(ctx.backends, 'zstack');
  const mode = input.deleteMode ?? 'Permissive';
  return launchTask(ctx, {
    backend: 'zstack',
    operation: 'DELETE_PLUGIN_DRIVER',
    description: `Delete plugin driver ${uuid} (${mode})`,
    target: { type: 'Plugin', id: `zstack:${uuid}` },
    lockKey: `zstack:driver:${uuid}`,
    start: () => zstack.deletePluginDriver(uuid, mode),
  });
}

/** Every ZStack management node rescans its plugin directory (one driver, or all). */
export async function refreshPluginDrivers(
  input: { readonly name?: string | null },
  ctx: Context,
): Promise<TaskResult> {
  const name =
    input.name === undefined || input.name === null
      ? undefined
      : parseId(zstackDriverName, input.name, ['input', 'name']);
  const zstack = requireBackend(ctx.backends, 'zstack');
  return launchTask(ctx, {
    backend: 'zstack',
    operation: 'REFRESH_PLUGIN_DRIVERS',
    description: name ? `Refresh plugin driver ${name}` : 'Refresh all plugin drivers',
    lockKey: `zstack:refresh:${name ?? '*'}`,
    start: () => zstack.refreshPluginDrivers(name),
  });
}
