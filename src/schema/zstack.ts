import { NotFoundError } from '../domain/errors.ts';
import { deletePluginDriverPlan, refreshPluginDriversPlan } from '../resolvers/plans/zstack.ts';
import { builder } from './builder.ts';
import { ENDPOINT_INPUT_DESCRIPTION, type InputFieldBuilder, taskMutation } from './mutation.ts';

export const DeleteModeEnum = builder.enumType('DeleteMode', {
  values: {
    PERMISSIVE: {
      value: 'Permissive',
      description: 'Soft delete: the driver stays, marked deleted',
    },
    ENFORCING: { value: 'Enforcing', description: 'The driver row is removed' },
  } as const,
});

taskMutation('deletePluginDriver', {
  example: `# ZStack: soft-delete the prometheus driver (ENFORCING removes it), then refresh to bring it back.
mutation ZstackDeleteDriver {
  deletePluginDriver(input: { pluginId: "e90949fe5ddd3e68a4646b97b812f905", deleteMode: PERMISSIVE }) {
    __typename
    ... on DeletePluginDriverPayload { task { id status nativeId } }
    ... on Error { code message }
  }
}`,
  backend: 'zstack',
  description: 'Delete a ZStack plugin driver (asynchronous job)',
  input: (t: InputFieldBuilder) => ({
    pluginId: t.id({ required: true, description: 'Plugin global id or the ZStack driver uuid' }),
    deleteMode: t.field({ type: DeleteModeEnum, defaultValue: 'Permissive' }),
    endpoint: t.string({ description: ENDPOINT_INPUT_DESCRIPTION }),
  }),
  payload: { plugin: true },
  errors: [NotFoundError],
  plan: deletePluginDriverPlan,
});

taskMutation('refreshPluginDrivers', {
  example: `mutation ZstackRefreshDrivers {
  refreshPluginDrivers(input: { name: "prometheus" }) {
    __typename
    ... on RefreshPluginDriversPayload { task { id status } }
    ... on Error { code message }
  }
}`,
  backend: 'zstack',
  description: 'Make every ZStack management node rescan its plugin directory (asynchronous job)',
  input: (t: InputFieldBuilder) => ({
    name: t.string({ description: 'Only this driver; every driver when absent' }),
    endpoint: t.string({ description: ENDPOINT_INPUT_DESCRIPTION }),
  }),
  plan: refreshPluginDriversPlan,
});
