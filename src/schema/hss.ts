import { hssPluginOperation } from '../resolvers/hss.ts';
import { ENDPOINT_INPUT_DESCRIPTION, type InputFieldBuilder, taskMutation } from './mutation.ts';

/** StartPluginInput and StopPluginInput: the same fields. */
const pluginHostsFields = (t: InputFieldBuilder) => ({
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
  endpoint: t.string({ description: ENDPOINT_INPUT_DESCRIPTION }),
});

// HSS answers an unknown plugin or host with HSS.0011: BackendRejectedError with that code, so
// no NotFoundError here.
taskMutation('startPlugin', {
  backend: 'hss',
  description: 'Start an HSS plugin on hosts; the task follows each host until the plugin runs',
  input: pluginHostsFields,
  payload: { plugin: true },
  resolve: (input, ctx) => hssPluginOperation('startPlugin', input, ctx),
});

taskMutation('stopPlugin', {
  backend: 'hss',
  description: 'Stop an HSS plugin on hosts; the task follows each host until the plugin stopped',
  input: pluginHostsFields,
  payload: { plugin: true },
  resolve: (input, ctx) => hssPluginOperation('stopPlugin', input, ctx),
});
