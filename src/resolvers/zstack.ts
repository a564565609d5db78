import { parseId } from '../backends/id-grammar.ts';
import { zstackDriverName, zstackUuid } from '../backends/zstack/ids.ts';
import type { Context } from './context.ts';
import { endpointIdArg, mutationEndpoint } from './endpoint-arg.ts';
import { launchTask, type TaskResult } from './task.ts';

export interface DeletePluginDriverInput {
  readonly pluginId: string;
  readonly deleteMode?: 'Permissive' | 'Enforcing' | null;
  readonly endpoint?: string | null;
}

/** Delete a ZStack plugin driver (an asynchronous job). */
export async function deletePluginDriver(
  input: DeletePluginDriverInput,
  ctx: Context,
): Promise<TaskResult> {
  const path = ['input', 'pluginId'];
  const arg = endpointIdArg(ctx, input.pluginId, 'Plugin', 'zstack', path, zstackUuid);
  const uuid = arg.nativeId;
  const { name, client: zstack } = mutationEndpoint(ctx, 'zstack', input.endpoint, [arg.endpoint]);
  const mode = input.deleteMode ?? 'Permissive';
  return launchTask(ctx, {
    backend: 'zstack',
    endpoint: name,
    operation: 'DELETE_PLUGIN_DRIVER',
    description: `Delete plugin driver ${uuid} (${mode})`,
    target: { type: 'Plugin', id: `${name}:${uuid}` },
    lockKey: `${name}:driver:${uuid}`,
    start: (write) => zstack.deletePluginDriver(uuid, mode, write),
  });
}

/** Every ZStack management node rescans its plugin directory (one driver, or all). */
export async function refreshPluginDrivers(
  input: { readonly name?: string | null; readonly endpoint?: string | null },
  ctx: Context,
): Promise<TaskResult> {
  const name =
    input.name === undefined || input.name === null
      ? undefined
      : parseId(zstackDriverName, input.name, ['input', 'name']);
  const { name: endpoint, client: zstack } = mutationEndpoint(ctx, 'zstack', input.endpoint);
  return launchTask(ctx, {
    backend: 'zstack',
    endpoint,
    operation: 'REFRESH_PLUGIN_DRIVERS',
    description: name ? `Refresh plugin driver ${name}` : 'Refresh all plugin drivers',
    lockKey: `${endpoint}:refresh:${name ?? '*'}`,
    start: (write) => zstack.refreshPluginDrivers(name, write),
  });
}
