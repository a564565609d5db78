import { createHash } from 'node:crypto';
import { type HssPluginOperationInput, startInputProblems } from '../backends/hss/client.ts';
import { HSS_MAX_HOST_IDS, hssHostId } from '../backends/hss/ids.ts';
import { requireBackend } from '../backends/registry.ts';
import {
  BackendRejectedError,
  ConflictError,
  type FieldProblem,
  ValidationError,
} from '../domain/errors.ts';
import { builder } from '../schema/builder.ts';
import { nativeIdArg } from '../schema/ids.ts';
import { payloadType } from '../schema/payloads.ts';
import type { TaskOperation } from '../tasks/types.ts';

const PluginHostsInput = (name: string) =>
  builder.inputType(name, {
    fields: (t) => ({
      pluginCode: t.string({
        required: true,
        description: 'HSS plugin code, 1-64 characters (e.g. ndr)',
      }),
      hostIds: t.idList({
        description: 'Host global ids or HSS host ids; required unless operateAll',
      }),
      operateAll: t.boolean({
        defaultValue: false,
        description: 'Every host that has the plugin; wins over hostIds',
      }),
      projectId: t.string({
        description: 'Overrides HSS_PROJECT_ID for this call (1-256 characters)',
      }),
      enterpriseProjectId: t.string({
        description: 'Overrides HSS_ENTERPRISE_PROJECT_ID for this call',
      }),
    }),
  });

const StartPluginInput = PluginHostsInput('StartPluginInput');
const StopPluginInput = PluginHostsInput('StopPluginInput');
const StartPluginPayload = payloadType('StartPluginPayload', { plugin: true });
const StopPluginPayload = payloadType('StopPluginPayload', { plugin: true });

interface RawInput {
  readonly pluginCode: string;
  readonly hostIds?: readonly string[] | null;
  readonly operateAll?: boolean | null;
  readonly projectId?: string | null;
  readonly enterpriseProjectId?: string | null;
}

/** Host ids to HSS ids, then the vendor's own limits, all problems at once, before any call. */
function toHssInput(input: RawInput): HssPluginOperationInput {
  const problems: FieldProblem[] = [];
  const given = input.hostIds ?? [];
  // Past the cap the list is refused as a whole (startInputProblems): no per-id work for it.
  const hostIds =
    given.length > HSS_MAX_HOST_IDS
      ? given
      : given.map((id, i) => {
          try {
            return nativeIdArg(id, 'Host', 'hss', ['input', 'hostIds', String(i)], hssHostId);
          } catch (err) {
            if (err instanceof ValidationError) problems.push(...err.fields);
            return id;
          }
        });
  const mapped: HssPluginOperationInput = {
    pluginCode: input.pluginCode,
    hostIds,
    operateAll: input.operateAll ?? false,
    projectId: input.projectId,
    enterpriseProjectId: input.enterpriseProjectId,
  };
  // A host id refused above is checked again there: name each field once.
  const named = new Set(problems.map((p) => p.path.join('.')));
  problems.push(...startInputProblems(mapped).filter((p) => !named.has(p.path.join('.'))));
  if (problems.length > 0) throw new ValidationError(problems);
  return mapped;
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

function hssPluginMutation(
  field: 'startPlugin' | 'stopPlugin',
  operation: TaskOperation,
  input: typeof StartPluginInput,
  payload: typeof StartPluginPayload,
  unionName: string,
) {
  builder.mutationField(field, (t) =>
    t.field({
      type: payload,
      description:
        field === 'startPlugin'
          ? 'Start an HSS plugin on hosts; the task follows each host until the plugin runs'
          : 'Stop an HSS plugin on hosts; the task follows each host until the plugin stopped',
      args: { input: t.arg({ type: input, required: true }) },
      errors: {
        // HSS answers an unknown plugin or host with HSS.0011: BackendRejectedError with that code.
        types: [ValidationError, ConflictError, BackendRejectedError],
        directResult: true,
        union: { name: unionName },
      },
      resolve: async (_root, args, ctx) => {
        const hssInput = toHssInput(args.input);
        const hss = requireBackend(ctx.backends, 'hss');
        const hostIds = hssInput.hostIds ?? [];
        const verb = field === 'startPlugin' ? 'Start' : 'Stop';
        const task = await ctx.tracker.launch({
          backend: 'hss',
          operation,
          description: `${verb} HSS plugin ${hssInput.pluginCode} on ${hssInput.operateAll ? 'all hosts' : hostsText(hostIds)}`,
          target: { type: 'Plugin', id: `hss:${hssInput.pluginCode}` },
          lockKey: `hss:${field}:${hssInput.pluginCode}:${hssInput.operateAll ? '*' : hostsKey(hostIds)}`,
          start: () =>
            field === 'startPlugin' ? hss.startPlugin(hssInput) : hss.stopPlugin(hssInput),
        });
        return { task, pluginId: `hss:${hssInput.pluginCode}` };
      },
    }),
  );
}

hssPluginMutation(
  'startPlugin',
  'START_PLUGIN',
  StartPluginInput,
  StartPluginPayload,
  'StartPluginResult',
);
hssPluginMutation(
  'stopPlugin',
  'STOP_PLUGIN',
  StopPluginInput,
  StopPluginPayload,
  'StopPluginResult',
);
