import { idProblem } from '../backends/id-grammar.ts';
import type { KorapPluginInput } from '../backends/korap/client.ts';
import { korapClientId } from '../backends/korap/ids.ts';
import { requireBackend } from '../backends/registry.ts';
import {
  AlreadyInstalledError,
  BackendRejectedError,
  ConflictError,
  type FieldProblem,
  NotFoundError,
  NotPermittedError,
  ValidationError,
} from '../domain/errors.ts';
import type { Installation } from '../domain/model.ts';
import { builder } from '../schema/builder.ts';
import { payloadType } from '../schema/payloads.ts';

const SuperClientPluginInput = (name: string) =>
  builder.inputType(name, {
    fields: (t) => ({
      clientId: t.string({ required: true, description: 'client_id of the plugin' }),
      superClientId: t.string({ description: 'Defaults to KORAP_SUPER_CLIENT_ID' }),
      superClientSecret: t.string({
        description: 'Defaults to KORAP_SUPER_CLIENT_SECRET; never echoed or logged',
      }),
    }),
  });

const InstallInput = SuperClientPluginInput('InstallSuperClientPluginInput');
const UninstallInput = SuperClientPluginInput('UninstallSuperClientPluginInput');
const InstallPayload = payloadType('InstallSuperClientPluginPayload', {
  plugin: true,
  installation: true,
});
const UninstallPayload = payloadType('UninstallSuperClientPluginPayload', { plugin: true });

function toKorapInput(input: {
  clientId: string;
  superClientId?: string | null;
  superClientSecret?: string | null;
}): KorapPluginInput {
  const problems = [
    idProblem(korapClientId, input.clientId, ['input', 'clientId']),
    // An empty super client id means "the configured one", as an absent one does.
    input.superClientId
      ? idProblem(korapClientId, input.superClientId, ['input', 'superClientId'])
      : undefined,
  ].filter((p): p is FieldProblem => p !== undefined);
  if (problems.length > 0) throw new ValidationError(problems);
  return {
    clientId: input.clientId,
    ...(input.superClientId ? { superClientId: input.superClientId } : {}),
    ...(input.superClientSecret ? { superClientSecret: input.superClientSecret } : {}),
  };
}

builder.mutationField('installSuperClientPlugin', (t) =>
  t.field({
    type: InstallPayload,
    description:
      'Install a KorAP plugin for the super client (synchronous: the task is already finished)',
    args: { input: t.arg({ type: InstallInput, required: true }) },
    errors: {
      types: [
        ValidationError,
        NotFoundError,
        NotPermittedError,
        AlreadyInstalledError,
        ConflictError,
        BackendRejectedError,
      ],
      directResult: true,
      union: { name: 'InstallSuperClientPluginResult' },
    },
    resolve: async (_root, args, ctx) => {
      const input = toKorapInput(args.input);
      const korap = requireBackend(ctx.backends, 'korap');
      let installation: Installation | undefined;
      const task = await ctx.tracker.launch({
        backend: 'korap',
        operation: 'INSTALL_SUPER_CLIENT_PLUGIN',
        description: `Install KorAP plugin ${input.clientId}`,
        target: { type: 'Plugin', id: `korap:${input.clientId}` },
        lockKey: `korap:plugin:${input.clientId}:${input.superClientId ?? 'default'}`,
        start: async () => {
          const result = await korap.installPlugin(input);
          installation = result.installation;
          return result.started;
        },
      });
      return {
        task,
        pluginId: `korap:${input.clientId}`,
        ...(installation ? { installation } : {}),
      };
    },
  }),
);

builder.mutationField('uninstallSuperClientPlugin', (t) =>
  t.field({
    type: UninstallPayload,
    description:
      "Uninstall a KorAP plugin for the super client; revokes the plugin's tokens for the user",
    args: { input: t.arg({ type: UninstallInput, required: true }) },
    errors: {
      types: [ValidationError, NotFoundError, ConflictError, BackendRejectedError],
      directResult: true,
      union: { name: 'UninstallSuperClientPluginResult' },
    },
    resolve: async (_root, args, ctx) => {
      const input = toKorapInput(args.input);
      const korap = requireBackend(ctx.backends, 'korap');
      const task = await ctx.tracker.launch({
        backend: 'korap',
        operation: 'UNINSTALL_SUPER_CLIENT_PLUGIN',
        description: `Uninstall KorAP plugin ${input.clientId}`,
        target: { type: 'Plugin', id: `korap:${input.clientId}` },
        lockKey: `korap:plugin:${input.clientId}:${input.superClientId ?? 'default'}`,
        start: async () => (await korap.uninstallPlugin(input)).started,
      });
      return { task, pluginId: `korap:${input.clientId}` };
    },
  }),
);
