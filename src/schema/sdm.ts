import { SDM_ACTIONS } from '../backends/sdm/actions.ts';
import { NotFoundError } from '../domain/errors.ts';
import { pluginActionPlan } from '../resolvers/plans/sdm.ts';
import { builder } from './builder.ts';
import { ENDPOINT_INPUT_DESCRIPTION, type InputFieldBuilder, taskMutation } from './mutation.ts';

export const PluginActionEnum = builder.enumType('PluginAction', {
  values: SDM_ACTIONS.map((a) => a.toUpperCase()) as ['INSTALL', 'UNINSTALL', 'REPLACE', 'RECOVER'],
});

taskMutation('performPluginAction', {
  example: `# SDM: install an uploaded plug-in on every cluster member (run it twice quickly: ConflictError).
mutation SdmInstallPlugin {
  performPluginAction(input: { pluginId: "ID7", action: INSTALL }) {
    __typename
    ... on PerformPluginActionPayload { task { id status progress } plugin { name status } }
    ... on ConflictError { code message task { id status } }
    ... on Error { code message }
  }
}`,
  backend: 'sdm',
  description:
    'Install, uninstall, replace or recover an SDM plug-in; the task follows its cluster members',
  input: (t: InputFieldBuilder) => ({
    pluginId: t.id({
      required: true,
      description: 'Plugin global id or the SDM plug-in id (e.g. ID7)',
    }),
    action: t.field({ type: PluginActionEnum, required: true }),
    endpoint: t.string({ description: ENDPOINT_INPUT_DESCRIPTION }),
  }),
  payload: { plugin: true },
  errors: [NotFoundError],
  plan: pluginActionPlan,
});
