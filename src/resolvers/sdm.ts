import type { SDM_ACTIONS } from '../backends/sdm/actions.ts';
import { sdmPluginId } from '../backends/sdm/ids.ts';
import type { TaskOperation } from '../tasks/types.ts';
import type { Context } from './context.ts';
import { endpointIdArg, mutationEndpoint } from './endpoint-arg.ts';
import { launchTask, type TaskResult } from './task.ts';

export interface PerformPluginActionInput {
  readonly pluginId: string;
  readonly action: Uppercase<(typeof SDM_ACTIONS)[number]>;
  readonly endpoint?: string | null;
}

/** Install, uninstall, replace or recover an SDM plug-in. */
export async function performPluginAction(
  input: PerformPluginActionInput,
  ctx: Context,
): Promise<TaskResult> {
  const path = ['input', 'pluginId'];
  const arg = endpointIdArg(ctx, input.pluginId, 'Plugin', 'sdm', path, sdmPluginId);
  const pluginId = arg.nativeId;
  const action = input.action.toLowerCase() as (typeof SDM_ACTIONS)[number];
  const { name, client: sdm } = mutationEndpoint(ctx, 'sdm', input.endpoint, [arg.endpoint]);
  return launchTask(ctx, {
    backend: 'sdm',
    endpoint: name,
    operation: `PLUGIN_${input.action}` as TaskOperation,
    description: `${input.action.toLowerCase()} SDM plug-in ${pluginId}`,
    target: { type: 'Plugin', id: `${name}:${pluginId}` },
    // SDM runs one action per plug-in at a time, whichever action.
    lockKey: `${name}:plugin:${pluginId}`,
    start: (write) => sdm.startAction(pluginId, action, write),
  });
}
