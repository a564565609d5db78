import { parseId } from '../../backends/id-grammar.ts';
import { zstackDriverName, zstackUuid } from '../../backends/zstack/ids.ts';
import type { LaunchPlan } from '../../tasks/plan.ts';
import type { Context } from '../context.ts';
import { endpointIdArg, mutationEndpoint } from '../endpoint-arg.ts';
import { holdsPlugin } from './holds.ts';

export interface DeletePluginDriverInput {
  readonly pluginId: string;
  readonly deleteMode?: 'Permissive' | 'Enforcing' | null;
  readonly endpoint?: string | null;
}

/** `deletePluginDriver`: delete a ZStack plugin driver (an asynchronous job). */
export async function deletePluginDriverPlan(
  input: DeletePluginDriverInput,
  ctx: Context,
): Promise<LaunchPlan> {
  const path = ['input', 'pluginId'];
  const arg = endpointIdArg(ctx, input.pluginId, 'Plugin', 'zstack', path, zstackUuid);
  const uuid = arg.nativeId;
  const holds = holdsPlugin(ctx, uuid);
  const { name, client: zstack } = await mutationEndpoint(
    ctx,
    'zstack',
    input.endpoint,
    [arg.endpoint],
    holds,
  );
  const mode = input.deleteMode ?? 'Permissive';
  return {
    backend: 'zstack',
    endpoint: name,
    operation: 'DELETE_PLUGIN_DRIVER',
    description: `Delete plugin driver ${uuid} (${mode})`,
    target: { type: 'Plugin', id: `${name}:${uuid}` },
    lockKey: `${name}:driver:${uuid}`,
    start: (write) => zstack.deletePluginDriver(uuid, mode, write),
  };
}

/** `refreshPluginDrivers`: every ZStack management node rescans its plugin directory. */
export async function refreshPluginDriversPlan(
  input: { readonly name?: string | null; readonly endpoint?: string | null },
  ctx: Context,
): Promise<LaunchPlan> {
  const name =
    input.name === undefined || input.name === null
      ? undefined
      : parseId(zstackDriverName, input.name, ['input', 'name']);
  const { name: endpoint, client: zstack } = await mutationEndpoint(ctx, 'zstack', input.endpoint);
  return {
    backend: 'zstack',
    endpoint,
    operation: 'REFRESH_PLUGIN_DRIVERS',
    description: name ? `Refresh plugin driver ${name}` : 'Refresh all plugin drivers',
    lockKey: `${endpoint}:refresh:${name ?? '*'}`,
    start: (write) => zstack.refreshPluginDrivers(name, write),
  };
}
