import { hssPluginPlan } from '../resolvers/plans/hss.ts';
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
  example: `# HSS: start NDR on an online host (reaches SUCCESS). Try host 9f1d3b7c-2e4a-4d6b-b8c0-6a5e4f3d2c1b
# (agent offline: ERROR), or a 65-character pluginCode (ValidationError).
mutation HssStartPlugin {
  startPlugin(input: { endpoint: "hss", pluginCode: "ndr", hostIds: ["0b3c6f0e-5a36-4cf3-9d6d-9a0d8e2f4c11"] }) {
    __typename
    ... on StartPluginPayload { task { id status progress } }
    ... on ValidationError { fields { path message } }
    ... on Error { code message }
  }
}`,
  backend: 'hss',
  description: 'Start an HSS plugin on hosts; the task follows each host until the plugin runs',
  input: pluginHostsFields,
  payload: { plugin: true },
  plan: (input, ctx) => hssPluginPlan('startPlugin', input, ctx),
});

taskMutation('stopPlugin', {
  example: `mutation HssStopPlugin {
  stopPlugin(input: { endpoint: "hss", pluginCode: "ndr", hostIds: ["0b3c6f0e-5a36-4cf3-9d6d-9a0d8e2f4c11"] }) {
    __typename
    ... on StopPluginPayload { task { id status progress } }
    ... on Error { code message }
  }
}`,
  backend: 'hss',
  description: 'Stop an HSS plugin on hosts; the task follows each host until the plugin stopped',
  input: pluginHostsFields,
  payload: { plugin: true },
  plan: (input, ctx) => hssPluginPlan('stopPlugin', input, ctx),
});
