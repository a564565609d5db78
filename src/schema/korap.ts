import { AlreadyInstalledError, NotFoundError, NotPermittedError } from '../domain/errors.ts';
import { installPluginPlan, uninstallPluginPlan } from '../resolvers/plans/korap.ts';
import { ENDPOINT_INPUT_DESCRIPTION, type InputFieldBuilder, taskMutation } from './mutation.ts';

/** InstallSuperClientPluginInput and UninstallSuperClientPluginInput: the same fields. */
const superClientPluginFields = (t: InputFieldBuilder) => ({
  clientId: t.string({ required: true, description: 'client_id of the plugin' }),
  superClientId: t.string({ description: 'Defaults to KORAP_SUPER_CLIENT_ID' }),
  superClientSecret: t.string({
    description: 'Defaults to KORAP_SUPER_CLIENT_SECRET; never echoed or logged',
  }),
  endpoint: t.string({ description: ENDPOINT_INPUT_DESCRIPTION }),
});

taskMutation('installSuperClientPlugin', {
  example: `# KorAP: install the Glemm Query Rewriter for the default super client (again: AlreadyInstalledError;
# clientId JpmdMRPt7796HpMpHRGHrr is not permitted: NotPermittedError).
mutation KorapInstallPlugin {
  installSuperClientPlugin(input: { clientId: "g1eMmQrW3tH8kLpV0xYz2A" }) {
    __typename
    ... on InstallSuperClientPluginPayload { task { id status } installation { id superClientId installedAt plugin { name } } }
    ... on Error { code message }
  }
}`,
  backend: 'korap',
  description:
    'Install a KorAP plugin for the super client (synchronous: the task is already finished)',
  input: superClientPluginFields,
  payload: { plugin: true, installation: true },
  errors: [NotFoundError, NotPermittedError, AlreadyInstalledError],
  plan: installPluginPlan,
});

taskMutation('uninstallSuperClientPlugin', {
  example: `mutation KorapUninstallPlugin {
  uninstallSuperClientPlugin(input: { clientId: "g1eMmQrW3tH8kLpV0xYz2A" }) {
    __typename
    ... on UninstallSuperClientPluginPayload { task { id status } }
    ... on Error { code message }
  }
}`,
  backend: 'korap',
  description:
    "Uninstall a KorAP plugin for the super client; revokes the plugin's tokens for the user",
  input: superClientPluginFields,
  payload: { plugin: true },
  errors: [NotFoundError],
  plan: uninstallPluginPlan,
});
