import { AlreadyInstalledError, NotFoundError, NotPermittedError } from '../domain/errors.ts';
import { installSuperClientPlugin, uninstallSuperClientPlugin } from '../resolvers/korap.ts';
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
  backend: 'korap',
  description:
    'Install a KorAP plugin for the super client (synchronous: the task is already finished)',
  input: superClientPluginFields,
  payload: { plugin: true, installation: true },
  errors: [NotFoundError, NotPermittedError, AlreadyInstalledError],
  resolve: installSuperClientPlugin,
});

taskMutation('uninstallSuperClientPlugin', {
  backend: 'korap',
  description:
    "Uninstall a KorAP plugin for the super client; revokes the plugin's tokens for the user",
  input: superClientPluginFields,
  payload: { plugin: true },
  errors: [NotFoundError],
  resolve: uninstallSuperClientPlugin,
});
