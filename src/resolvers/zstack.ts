import { parseId } from '../backends/id-grammar.ts';
import { requireBackend } from '../backends/registry.ts';
import { zstackDriverName, zstackUuid } from '../backends/zstack/ids.ts';
import {
  BackendRejectedError,
  ConflictError,
  NotFoundError,
  ValidationError,
} from '../domain/errors.ts';
import { builder } from '../schema/builder.ts';
import { nativeIdArg } from '../schema/ids.ts';
import { payloadType } from '../schema/payloads.ts';

const DeleteModeEnum = builder.enumType('DeleteMode', {
  values: {
    PERMISSIVE: {
      value: 'Permissive',
      description: 'Soft delete: the driver stays, marked deleted',
    },
    ENFORCING: { value: 'Enforcing', description: 'The driver row is removed' },
  } as const,
});

const DeletePluginDriverInput = builder.inputType('DeletePluginDriverInput', {
  fields: (t) => ({
    pluginId: t.id({ required: true, description: 'Plugin global id or the ZStack driver uuid' }),
    deleteMode: t.field({ type: DeleteModeEnum, defaultValue: 'Permissive' }),
  }),
});

const RefreshPluginDriversInput = builder.inputType('RefreshPluginDriversInput', {
  fields: (t) => ({
    name: t.string({ description: 'Only this driver; every driver when absent' }),
  }),
});

const DeletePluginDriverPayload = payloadType('DeletePluginDriverPayload', { plugin: true });
const RefreshPluginDriversPayload = payloadType('RefreshPluginDriversPayload');

builder.mutationField('deletePluginDriver', (t) =>
  t.field({
    type: DeletePluginDriverPayload,
    description: 'Delete a ZStack plugin driver (asynchronous job)',
    args: { input: t.arg({ type: DeletePluginDriverInput, required: true }) },
    errors: {
      types: [ValidationError, NotFoundError, ConflictError, BackendRejectedError],
      directResult: true,
      union: { name: 'DeletePluginDriverResult' },
    },
    resolve: async (_root, { input }, ctx) => {
      const uuid = nativeIdArg(
        input.pluginId,
        'Plugin',
        'zstack',
        ['input', 'pluginId'],
        zstackUuid,
      );
      const zstack = requireBackend(ctx.backends, 'zstack');
      const mode = input.deleteMode ?? 'Permissive';
      const task = await ctx.tracker.launch({
        backend: 'zstack',
        operation: 'DELETE_PLUGIN_DRIVER',
        description: `Delete plugin driver ${uuid} (${mode})`,
        target: { type: 'Plugin', id: `zstack:${uuid}` },
        lockKey: `zstack:driver:${uuid}`,
        start: () => zstack.deletePluginDriver(uuid, mode),
      });
      return { task, pluginId: `zstack:${uuid}` };
    },
  }),
);

builder.mutationField('refreshPluginDrivers', (t) =>
  t.field({
    type: RefreshPluginDriversPayload,
    description: 'Make every ZStack management node rescan its plugin directory (asynchronous job)',
    args: { input: t.arg({ type: RefreshPluginDriversInput, required: true }) },
    errors: {
      types: [ValidationError, ConflictError, BackendRejectedError],
      directResult: true,
      union: { name: 'RefreshPluginDriversResult' },
    },
    resolve: async (_root, { input }, ctx) => {
      const name =
        input.name === undefined || input.name === null
          ? undefined
          : parseId(zstackDriverName, input.name, ['input', 'name']);
      const zstack = requireBackend(ctx.backends, 'zstack');
      const task = await ctx.tracker.launch({
        backend: 'zstack',
        operation: 'REFRESH_PLUGIN_DRIVERS',
        description: name ? `Refresh plugin driver ${name}` : 'Refresh all plugin drivers',
        lockKey: `zstack:refresh:${name ?? '*'}`,
        start: () => zstack.refreshPluginDrivers(name),
      });
      return { task };
    },
  }),
);
