import { visible } from '../auth/policy.ts';
import { notConfigured } from '../backends/errors.ts';
import { type IdGrammar, parseId } from '../backends/id-grammar.ts';
import type { ClientOf, Endpoint } from '../backends/registry.ts';
import type { BackendName } from '../domain/backend.ts';
import { ValidationError } from '../domain/errors.ts';
import { visibleEndpoint } from './catalog.ts';
import type { Context } from './context.ts';
import { fromGlobalId, nativeIdArg } from './ids.ts';

const ENDPOINT_PATH = ['input', 'endpoint'] as const;

/** The endpoint a mutation acts on and its client. */
export interface MutationEndpoint<B extends BackendName> {
  readonly name: string;
  readonly client: ClientOf<B>;
}

/** Whether an endpoint has what a mutation names (its version, plugin or hosts). */
export type Holds = (endpoint: string) => Promise<boolean>;

/**
 * Which endpoint of `backend` a mutation acts on (SPEC §10): `input.endpoint` where given, else
 * the endpoint its global ids carry (`carried`), else the backend's only endpoint, else the one
 * endpoint that `holds` what the mutation names (asked of each endpoint, from its inventory
 * snapshot or update list). Several endpoints and nothing to tell them apart (none or several
 * have it, or one could not be asked), an unknown endpoint, or ids of another endpoint than
 * `input.endpoint` are a ValidationError on `input.endpoint`; a backend without endpoints is
 * BACKEND_NOT_CONFIGURED, as before fleets.
 */
export async function mutationEndpoint<B extends BackendName>(
  ctx: Context,
  backend: B,
  given: string | null | undefined,
  carried: Iterable<string | undefined> = [],
  holds?: Holds,
): Promise<MutationEndpoint<B>> {
  // Only the endpoints the caller sees (SPEC §14): an invisible one is as if not configured.
  const of = ctx.endpoints.of(backend).filter((e) => visible(ctx, e.name)) as Extract<
    Endpoint,
    { backend: B }
  >[];
  const names = new Set([...carried].filter((n): n is string => n !== undefined));
  if (given !== undefined && given !== null) names.add(given);
  if (names.size > 1) throw endpointProblem('the ids given are of different endpoints');
  let [name] = names;
  if (name === undefined && of.length > 1) name = await theOneHolding(backend, of, holds);
  const endpoint = name === undefined ? of[0] : of.find((e) => e.name === name);
  if (!endpoint) {
    if (of.length === 0) throw notConfigured(backend);
    throw endpointProblem(`no endpoint of backend ${backend.toUpperCase()} has that name`);
  }
  return { name: endpoint.name, client: endpoint.client as ClientOf<B> };
}

function endpointProblem(message: string): ValidationError {
  return new ValidationError([{ path: [...ENDPOINT_PATH], message }]);
}

/** The one endpoint that has it; a ValidationError naming the candidates otherwise. */
async function theOneHolding(
  backend: BackendName,
  of: readonly Endpoint[],
  holds: Holds | undefined,
): Promise<string> {
  const required = `required: backend ${backend.toUpperCase()} has ${of.length} endpoints`;
  if (!holds) throw endpointProblem(required);
  const answers = await Promise.allSettled(of.map((e) => holds(e.name)));
  const having = of.filter((_, i) => {
    const answer = answers[i];
    return answer?.status === 'fulfilled' && answer.value;
  });
  const unasked = of.filter((_, i) => answers[i]?.status === 'rejected');
  const [only] = having;
  if (only && having.length === 1 && unasked.length === 0) return only.name;
  const list = (endpoints: readonly Endpoint[]) => endpoints.map((e) => e.name).join(', ');
  if (unasked.length > 0)
    throw endpointProblem(`${required} and ${list(unasked)} could not be asked which has it`);
  if (having.length > 1) throw endpointProblem(`${required} and ${list(having)} all have it`);
  throw endpointProblem(`${required} and none of them (${list(of)}) has it`);
}

/**
 * An id argument of a mutation: the native id and, for a global id, the endpoint it carries
 * (`Type:endpoint:nativeId`). An endpoint named after its backend accepts what `nativeIdArg`
 * accepts (global id, `backend:nativeId`, native id), so today's ids keep working; a global id of
 * another endpoint of the backend is checked against that endpoint's name only.
 */
export function endpointIdArg(
  ctx: Context,
  value: string,
  typename: string,
  backend: BackendName,
  path: readonly string[],
  grammar: IdGrammar,
): { readonly endpoint?: string; readonly nativeId: string } {
  const objectId = fromGlobalId(value, typename);
  const colon = objectId?.indexOf(':') ?? -1;
  const carried = objectId !== undefined && colon > 0 ? objectId.slice(0, colon) : undefined;
  const endpoint = carried === undefined ? undefined : visibleEndpoint(ctx, carried);
  if (objectId !== undefined && endpoint?.backend === backend && carried !== backend)
    return { endpoint: carried, nativeId: parseId(grammar, objectId.slice(colon + 1), path) };
  const nativeId = nativeIdArg(value, typename, backend, path, grammar);
  return objectId === undefined ? { nativeId } : { endpoint: backend, nativeId };
}
