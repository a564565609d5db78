import { applianceVersion } from '../../backends/appliance/ids.ts';
import { parseId } from '../../backends/id-grammar.ts';
import type { LaunchPlan } from '../../tasks/plan.ts';
import type { Context } from '../context.ts';
import { mutationEndpoint } from '../endpoint-arg.ts';
import { listUpdates } from '../update.ts';

/** `installUpdate`: install an appliance update; the task follows the appliance's own task. */
export async function installUpdatePlan(
  input: { readonly version: string; readonly endpoint?: string | null },
  ctx: Context,
): Promise<LaunchPlan> {
  const version = parseId(applianceVersion, input.version, ['input', 'version']);
  // Only the appliances that offer the version can install it.
  const holds = async (name: string) =>
    (await listUpdates(ctx, { name, backend: 'appliance' })).some((u) => u.version === version);
  const { name, client: appliance } = await mutationEndpoint(
    ctx,
    'appliance',
    input.endpoint,
    [],
    holds,
  );
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
