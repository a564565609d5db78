import { requireBackend } from '../backends/registry.ts';
import type { SDM_ACTIONS } from '../backends/sdm/actions.ts';
import { sdmPluginId } from '../backends/sdm/ids.ts';
import type { Context } from '../context.ts';
import type { TaskOperation } from '../tasks/types.ts';
import { nativeIdArg } from './ids.ts';
import { launchTask, type TaskResult } from './task.ts';

export interface PerformPluginActionInput {
  readonly pluginId: string;
  readonly action: Uppercase<(typeof SDM_ACTIONS)[number]>;
}

/** Install, uninstall, replace or recover an SDM plug-in. */
export async function performPluginAction(
  input: PerformPluginActionInput,
  ctx: Context,
): Promise<TaskResult> {
  const pluginId = nativeIdArg(input.pluginId, 'Plugin', 'sdm', ['input', 'pluginId'], sdmPluginId);
  const action = input.action.toLowerCase() as (typeof SDM_ACTIONS)[number];
  const sdm = requireBackend(ctx.backends, 'sdm');
  return launchTask(ctx, {
    backend: 'sdm',
    operation: `PLUGIN_${input.action}` as TaskOperation,
    description: `${input.action.toLowerCase()} SDM plug-in ${pluginId}`,
    target: { type: 'Plugin', id: `sdm:${pluginId}` },
    // SDM runs one action per plug-in at a time, whichever action.
    lockKey: `sdm:plugin:${pluginId}`,
    start: () => sdm.startAction(pluginId, action),
  });
}
