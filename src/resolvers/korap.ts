import { idProblem } from '../backends/id-grammar.ts';
import type { KorapPluginInput } from '../backends/korap/client.ts';
import { korapClientId } from '../backends/korap/ids.ts';
import type { Context } from '../context.ts';
import { type FieldProblem, ValidationError } from '../domain/errors.ts';
import type { Installation } from '../domain/model.ts';
import { mutationEndpoint } from './endpoint-arg.ts';
import { launchTask, type TaskResult } from './task.ts';

/** The `InstallSuperClientPluginInput` / `UninstallSuperClientPluginInput` GraphQL hands in. */
export interface SuperClientPluginInput {
  readonly clientId: string;
  readonly superClientId?: string | null;
  readonly superClientSecret?: string | null;
  readonly endpoint?: string | null;
}

function toKorapInput(input: SuperClientPluginInput): KorapPluginInput {
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

/** Install a KorAP plugin for the super client; KorAP answers at once, so the task is finished. */
export async function installSuperClientPlugin(
  args: SuperClientPluginInput,
  ctx: Context,
): Promise<TaskResult> {
  const input = toKorapInput(args);
  const { name, client: korap } = mutationEndpoint(ctx, 'korap', args.endpoint);
  let installation: Installation | undefined;
  const result = await launchTask(ctx, {
    backend: 'korap',
    endpoint: name,
    operation: 'INSTALL_SUPER_CLIENT_PLUGIN',
    description: `Install KorAP plugin ${input.clientId}`,
    target: { type: 'Plugin', id: `${name}:${input.clientId}` },
    lockKey: lockKey(name, input),
    start: async () => {
      const installed = await korap.installPlugin(input);
      installation =
        name === 'korap' ? installed.installation : { ...installed.installation, endpoint: name };
      return installed.started;
    },
  });
  return installation ? { ...result, installation } : result;
}

/** Uninstall a KorAP plugin for the super client (revokes the plugin's tokens for the user). */
export async function uninstallSuperClientPlugin(
  args: SuperClientPluginInput,
  ctx: Context,
): Promise<TaskResult> {
  const input = toKorapInput(args);
  const { name, client: korap } = mutationEndpoint(ctx, 'korap', args.endpoint);
  return launchTask(ctx, {
    backend: 'korap',
    endpoint: name,
    operation: 'UNINSTALL_SUPER_CLIENT_PLUGIN',
    description: `Uninstall KorAP plugin ${input.clientId}`,
    target: { type: 'Plugin', id: `${name}:${input.clientId}` },
    lockKey: lockKey(name, input),
    start: async () => (await korap.uninstallPlugin(input)).started,
  });
}

/** One action at a time per plugin and super client, whichever action. */
function lockKey(endpoint: string, input: KorapPluginInput): string {
  return `${endpoint}:plugin:${input.clientId}:${input.superClientId ?? 'default'}`;
}
