import { idProblem } from '../../backends/id-grammar.ts';
import {
  type KorapClient,
  type KorapPluginInput,
  USER_TOKEN_PATH,
} from '../../backends/korap/client.ts';
import { korapClientId } from '../../backends/korap/ids.ts';
import { type FieldProblem, ValidationError } from '../../domain/errors.ts';
import type { LaunchPlan } from '../../tasks/plan.ts';
import type { Context } from '../context.ts';
import { mutationEndpoint } from '../endpoint-arg.ts';
import { holdsPlugin } from './holds.ts';

/** The `InstallSuperClientPluginInput` / `UninstallSuperClientPluginInput` GraphQL hands in. */
export interface SuperClientPluginInput {
  readonly clientId: string;
  readonly superClientId?: string | null;
  readonly superClientSecret?: string | null;
  readonly endpoint?: string | null;
}

/**
 * KORAP_FORWARD_USER_TOKEN: the caller's KorAP token from `X-KorAP-Authorization: Bearer …`
 * (HTTP header, or the same key in a WebSocket's connection_init). Absent or malformed, the
 * mutation is refused: it never falls back to the service token.
 */
function userToken(ctx: Context): string | FieldProblem {
  const scoped = ctx as { request?: Request; connectionParams?: Record<string, unknown> };
  const params = scoped.connectionParams;
  const header =
    scoped.request?.headers.get('x-korap-authorization') ??
    params?.['x-korap-authorization'] ??
    params?.['X-KorAP-Authorization'];
  const match = typeof header === 'string' ? /^\s*bearer\s+(\S+)\s*$/i.exec(header) : null;
  return (
    match?.[1] ?? {
      path: [...USER_TOKEN_PATH],
      message: 'required (KORAP_FORWARD_USER_TOKEN): Bearer <your KorAP token>',
    }
  );
}

function toKorapInput(
  input: SuperClientPluginInput,
  ctx: Context,
  forward: boolean,
): KorapPluginInput {
  const token = forward ? userToken(ctx) : undefined;
  const problems = [
    typeof token === 'object' ? token : undefined,
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
    ...(typeof token === 'string' && { userToken: token }),
  };
}

/** `installSuperClientPlugin`: KorAP answers at once, so the task is finished. */
export function installPluginPlan(args: SuperClientPluginInput, ctx: Context): Promise<LaunchPlan> {
  return korapPlan(
    args,
    ctx,
    'INSTALL_SUPER_CLIENT_PLUGIN',
    'Install',
    (korap, input, name) => async (write) => {
      const { started, installation } = await korap.installPlugin(input, write);
      return {
        ...started,
        installation: name === 'korap' ? installation : { ...installation, endpoint: name },
      };
    },
  );
}

/** `uninstallSuperClientPlugin`: revokes the plugin's tokens for the user. */
export function uninstallPluginPlan(
  args: SuperClientPluginInput,
  ctx: Context,
): Promise<LaunchPlan> {
  return korapPlan(
    args,
    ctx,
    'UNINSTALL_SUPER_CLIENT_PLUGIN',
    'Uninstall',
    (korap, input) => async (write) => (await korap.uninstallPlugin(input, write)).started,
  );
}

/** Either action: the endpoint, the input checked once, and the call `start` makes. */
async function korapPlan(
  args: SuperClientPluginInput,
  ctx: Context,
  operation: 'INSTALL_SUPER_CLIENT_PLUGIN' | 'UNINSTALL_SUPER_CLIENT_PLUGIN',
  verb: string,
  call: (korap: KorapClient, input: KorapPluginInput, endpoint: string) => LaunchPlan['start'],
): Promise<LaunchPlan> {
  const { name, client: korap } = await korapEndpoint(args, ctx);
  const input = toKorapInput(args, ctx, korap.forwardsUserToken);
  return {
    backend: 'korap',
    endpoint: name,
    operation,
    description: `${verb} KorAP plugin ${input.clientId}`,
    target: { type: 'Plugin', id: `${name}:${input.clientId}` },
    lockKey: lockKey(name, input),
    start: call(korap, input, name),
  };
}

/** The KorAP endpoint named, or the one that has the plugin. */
function korapEndpoint(args: SuperClientPluginInput, ctx: Context) {
  return mutationEndpoint(ctx, 'korap', args.endpoint, [], holdsPlugin(ctx, args.clientId));
}

/** One action at a time per plugin and super client, whichever action. */
function lockKey(endpoint: string, input: KorapPluginInput): string {
  return `${endpoint}:plugin:${input.clientId}:${input.superClientId ?? 'default'}`;
}
