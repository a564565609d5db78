import { applianceVersion } from '../../backends/appliance/ids.ts';
import { parseId } from '../../backends/id-grammar.ts';
import type { LaunchPlan } from '../../tasks/plan.ts';
import type { Context } from '../context.ts';
import { mutationEndpoint } from '../endpoint-arg.ts';

/** `installUpdate`: install an appliance update; the task follows the appliance's own task. */
export function installUpdatePlan(
  input: { readonly version: string; readonly endpoint?: string | null },
  ctx: Context,
): LaunchPlan {
  const version = parseId(applianceVersion, input.version, ['input', 'version']);
  const { name, client: appliance } = mutationEndpoint(ctx, 'appliance', input.endpoint);
  return {
    backend: 'appliance',
    endpoint: name,
    operation: 'INSTALL_UPDATE',
    description: `Install update ${version}`,
    target: { type: 'Update', id: `${name}:${version}` },
    // The appliance installs one update at a time, whichever version.
    lockKey: `${name}:update-manager:install`,
    start: (write) => appliance.installUpdate(version, write),
  };
}
