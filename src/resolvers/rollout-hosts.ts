import { hssHostId } from '../backends/hss/ids.ts';
import { type FieldProblem, ValidationError } from '../domain/errors.ts';
import type { InstallationStatus } from '../domain/model.ts';
import type { RolloutAction } from '../rollouts/types.ts';
import { catalog, catalogEndpoint } from './catalog.ts';
import type { Context } from './context.ts';
import { endpointIdArg } from './endpoint-arg.ts';
import type { UnitPlace } from './rollout-unit.ts';

/** Where an HSS action leaves a plugin: its hosts already there need nothing. */
const TARGET_STATE: Readonly<Record<string, InstallationStatus>> = {
  startPlugin: 'RUNNING',
  stopPlugin: 'STOPPED',
};

/**
 * An HSS rollout's units: per endpoint, its hosts in chunks of `hostsPerUnit`. The hosts are
 * the ones given (`hostIds`: global ids carry their endpoint, a native id is looked up in each
 * selected endpoint's inventory snapshot), else every host of the endpoint whose installation
 * of the plugin is in `installationStatus` (default: neither in the target state nor without the
 * plugin installed), read from the snapshot: no vendor call when it is warm.
 */
export async function hssUnitPlaces(
  ctx: Context,
  action: RolloutAction,
  endpoints: readonly string[],
  input: {
    readonly hostIds?: readonly string[] | null;
    readonly installationStatus?: readonly InstallationStatus[] | null;
  },
  hostsPerUnit: number,
): Promise<UnitPlace[]> {
  const code = action.input.pluginCode ?? '';
  const codePath = ['input', 'action', action.field, 'pluginCode'];
  const views = await Promise.all(
    endpoints.map(async (name) => {
      const endpoint = catalogEndpoint(ctx, name);
      if (!endpoint) return { name, has: false, hosts: undefined, installations: undefined };
      const [plugins, hosts, installations] = await Promise.all([
        catalog.plugins(ctx, endpoint),
        catalog.hosts(ctx, endpoint),
        catalog.installations(ctx, endpoint),
      ]);
      return { name, has: plugins.get(code) !== undefined, hosts, installations };
    }),
  );
  const having = views.filter((v) => v.has);
  if (having.length === 0)
    throw new ValidationError([
      {
        path: codePath,
        message: `no selected endpoint (${endpoints.join(', ')}) has plugin ${code}`,
      },
    ]);
  const byEndpoint = new Map<string, string[]>(having.map((v) => [v.name, []]));
  if (input.hostIds) {
    const problems: FieldProblem[] = [];
    input.hostIds.forEach((id, i) => {
      const path = ['input', 'hostIds', String(i)];
      try {
        const arg = endpointIdArg(ctx, id, 'Host', 'hss', path, hssHostId);
        const home = having.find((v) =>
          arg.endpoint !== undefined && arg.endpoint !== 'hss'
            ? v.name === arg.endpoint
            : v.hosts?.get(arg.nativeId) !== undefined,
        );
        if (!home)
          problems.push({
            path,
            message: `no selected endpoint with plugin ${code} has this host`,
          });
        else byEndpoint.get(home.name)?.push(arg.nativeId);
      } catch (err) {
        if (err instanceof ValidationError) problems.push(...err.fields);
        else throw err;
      }
    });
    if (problems.length > 0) throw new ValidationError(problems);
  } else {
    const target = TARGET_STATE[action.field];
    const wanted = input.installationStatus ? new Set(input.installationStatus) : undefined;
    for (const view of having) {
      const hosts = byEndpoint.get(view.name) ?? [];
      for (const row of view.installations?.rows ?? []) {
        if (row.pluginNativeId !== code || row.hostNativeId === undefined) continue;
        const chosen = wanted
          ? wanted.has(row.status)
          : row.status !== target && row.status !== 'NOT_INSTALLED';
        if (chosen) hosts.push(row.hostNativeId);
      }
    }
  }
  const places: UnitPlace[] = [];
  for (const [endpoint, hosts] of byEndpoint) {
    const unique = [...new Set(hosts)];
    for (let i = 0; i < unique.length; i += hostsPerUnit)
      places.push({ endpoint, hostIds: unique.slice(i, i + hostsPerUnit) });
  }
  return places;
}
