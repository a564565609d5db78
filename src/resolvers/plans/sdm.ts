import type { SDM_ACTIONS } from '../../backends/sdm/actions.ts';
import { sdmPluginId } from '../../backends/sdm/ids.ts';
import type { LaunchPlan } from '../../tasks/plan.ts';
import type { TaskOperation } from '../../tasks/types.ts';
import type { Context } from '../context.ts';
import { endpointIdArg, mutationEndpoint } from '../endpoint-arg.ts';
import { holdsPlugin } from './holds.ts';

export interface PerformPluginActionInput {
  readonly pluginId: string;
  readonly action: Uppercase<(typeof SDM_ACTIONS)[number]>;
  readonly endpoint?: string | null;
}

/** `performPluginAction`: install, uninstall, replace or recover an SDM plug-in. */
export async function pluginActionPlan(
  input: PerformPluginActionInput,
  ctx: Context,
): Promise<LaunchPlan> {
  const path = ['input', 'pluginId'];
  const arg = endpointIdArg(ctx, input.pluginId, 'Plugin', 'sdm', path, sdmPluginId);
  const pluginId = arg.nativeId;
  const action = input.action.toLowerCase() as (typeof SDM_ACTIONS)[number];
  const holds = holdsPlugin(ctx, pluginId);
  const { name, client: sdm } = await mutationEndpoint(
    ctx,
    'sdm',
    input.endpoint,
    [arg.endpoint],
    holds,
  );
  return {
    backend: 'sdm',
    endpoint: name,
    operation: `PLUGIN_${input.action}` satisfies TaskOperation,
    description: `${action} SDM plug-in ${pluginId}`,
    target: { type: 'Plugin', id: `${name}:${pluginId}` },
    // SDM runs one action per plug-in at a time, whichever action.
    lockKey: `${name}:plugin:${pluginId}`,
    start: (write) => sdm.startAction(pluginId, action, write),
  };
}
