import { SDM_ACTIONS } from '../backends/sdm/actions.ts';
import { NotFoundError } from '../domain/errors.ts';
import { performPluginAction } from '../resolvers/sdm.ts';
import { builder } from './builder.ts';
import { ENDPOINT_INPUT_DESCRIPTION, type InputFieldBuilder, taskMutation } from './mutation.ts';

const PluginActionEnum = builder.enumType('PluginAction', {
  values: SDM_ACTIONS.map((a) => a.toUpperCase()) as ['INSTALL', 'UNINSTALL', 'REPLACE', 'RECOVER'],
});

taskMutation('performPluginAction', {
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
  resolve: performPluginAction,
});
