import { createHash } from 'node:crypto';
import { type ValidHssOperation, validateStartInput } from '../../backends/hss/client.ts';
import { HSS_MAX_HOST_IDS, hssHostId } from '../../backends/hss/ids.ts';
import { type FieldProblem, ValidationError } from '../../domain/errors.ts';
import type { LaunchPlan } from '../../tasks/plan.ts';
import type { Context } from '../context.ts';
import { endpointIdArg, mutationEndpoint } from '../endpoint-arg.ts';
import { holdsHosts, holdsPlugin } from './holds.ts';

/** The `StartPluginInput` / `StopPluginInput` GraphQL hands in. */
export interface PluginHostsInput {
  readonly pluginCode: string;
  readonly hostIds?: readonly string[] | null;
  readonly operateAll?: boolean | null;
  readonly projectId?: string | null;
  readonly enterpriseProjectId?: string | null;
  /** Which HSS endpoint (SPEC §10); required when several are configured and no host id tells. */
  readonly endpoint?: string | null;
}

/**
 * Host ids to HSS ids, then the vendor's own limits, all problems at once and checked once,
 * before any call; with the endpoints the host global ids carry.
 */
function toHssInput(
  ctx: Context,
  input: PluginHostsInput,
): { valid: ValidHssOperation; carried: string[] } {
  const problems: FieldProblem[] = [];
  const carried = new Set<string>();
  const given = input.hostIds ?? [];
  // Past the cap the list is refused as a whole (startInputProblems): no per-id work for it.
  const hostIds =
    given.length > HSS_MAX_HOST_IDS
      ? given
      : given.map((id, i) => {
          try {
            const path = ['input', 'hostIds', String(i)];
            const arg = endpointIdArg(ctx, id, 'Host', 'hss', path, hssHostId);
            if (arg.endpoint !== undefined) carried.add(arg.endpoint);
            return arg.nativeId;
          } catch (err) {
            if (err instanceof ValidationError) problems.push(...err.fields);
            return id;
          }
        });
  const valid = validateStartInput(
    {
      pluginCode: input.pluginCode,
      hostIds,
      operateAll: input.operateAll ?? false,
      projectId: input.projectId,
      enterpriseProjectId: input.enterpriseProjectId,
    },
    problems,
  );
  return { valid, carried: [...carried] };
}

/**
 * The hosts part of the lock key: sorted and deduplicated (the same hosts in another order or
 * repeated are the same target), hashed when long so that a key stays small in memory and Redis.
 */
function hostsKey(hostIds: readonly string[]): string {
  const hosts = [...new Set(hostIds)].sort().join(',');
  return hosts.length <= 256 ? hosts : `sha256:${createHash('sha256').update(hosts).digest('hex')}`;
}

/** "host-a,host-b" for a few hosts, "12 hosts" for many: a task description stays readable. */
function hostsText(hostIds: readonly string[]): string {
  const hosts = [...new Set(hostIds)].sort();
  return hosts.length <= 5 ? hosts.join(',') : `${hosts.length} hosts`;
}

/** `startPlugin` / `stopPlugin`: an HSS plugin on hosts (or every host that has it). */
export async function hssPluginPlan(
  field: 'startPlugin' | 'stopPlugin',
  input: PluginHostsInput,
  ctx: Context,
): Promise<LaunchPlan> {
  const { valid, carried } = toHssInput(ctx, input);
  const hostIds = valid.hostIds ?? [];
  const holds = valid.operateAll ? holdsPlugin(ctx, valid.pluginCode) : holdsHosts(ctx, hostIds);
  const { name, client: hss } = await mutationEndpoint(ctx, 'hss', input.endpoint, carried, holds);
  const verb = field === 'startPlugin' ? 'Start' : 'Stop';
  return {
    backend: 'hss',
    endpoint: name,
    operation: field === 'startPlugin' ? 'START_PLUGIN' : 'STOP_PLUGIN',
    description: `${verb} HSS plugin ${valid.pluginCode} on ${valid.operateAll ? 'all hosts' : hostsText(hostIds)}`,
    target: { type: 'Plugin', id: `${name}:${valid.pluginCode}` },
    lockKey: `${name}:${field}:${valid.pluginCode}:${valid.operateAll ? '*' : hostsKey(hostIds)}`,
    start: (write) =>
      field === 'startPlugin' ? hss.startPlugin(valid, write) : hss.stopPlugin(valid, write),
  };
}
