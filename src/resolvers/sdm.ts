import { requireBackend } from '../backends/registry.ts';
import { SDM_ACTIONS } from '../backends/sdm/actions.ts';
import { sdmPluginId } from '../backends/sdm/ids.ts';
import {
  BackendRejectedError,
  ConflictError,
  NotFoundError,
  ValidationError,
} from '../domain/errors.ts';
import { builder } from '../schema/builder.ts';
import { nativeIdArg } from '../schema/ids.ts';
import { payloadType } from '../schema/payloads.ts';
import type { TaskOperation } from '../tasks/types.ts';

const PluginActionEnum = builder.enumType('PluginAction', {
  values: SDM_ACTIONS.map((a) => a.toUpperCase()) as ['INSTALL', 'UNINSTALL', 'REPLACE', 'RECOVER'],
});

const PerformPluginActionInput = builder.inputType('PerformPluginActionInput', {
  fields: (t) => ({
    pluginId: t.id({
      required: true,
      description: 'Plugin global id or the SDM plug-in id (e.g. ID7)',
    }),
    action: t.field({ type: PluginActionEnum, required: true }),
  }),
});

const PerformPluginActionPayload = payloadType('PerformPluginActionPayload', { plugin: true });

builder.mutationField('performPluginAction', (t) =>
  t.field({
    type: PerformPluginActionPayload,
    description:
      'Install, uninstall, replace or recover an SDM plug-in; the task follows its cluster members',
    args: { input: t.arg({ type: PerformPluginActionInput, required: true }) },
    errors: {
      types: [ValidationError, NotFoundError, ConflictError, BackendRejectedError],
      directResult: true,
      union: { name: 'PerformPluginActionResult' },
    },
    resolve: async (_root, { input }, ctx) => {
      const pluginId = nativeIdArg(
        input.pluginId,
        'Plugin',
        'sdm',
        ['input', 'pluginId'],
        sdmPluginId,
      );
      const action = input.action.toLowerCase() as (typeof SDM_ACTIONS)[number];
      const sdm = requireBackend(ctx.backends, 'sdm');
      const task = await ctx.tracker.launch({
        backend: 'sdm',
        operation: `PLUGIN_${input.action}` as TaskOperation,
        description: `${input.action.toLowerCase()} SDM plug-in ${pluginId}`,
        target: { type: 'Plugin', id: `sdm:${pluginId}` },
        // SDM runs one action per plug-in at a time, whichever action.
        lockKey: `sdm:plugin:${pluginId}`,
        start: () => sdm.startAction(pluginId, action),
      });
      return { task, pluginId: `sdm:${pluginId}` };
    },
  }),
);
