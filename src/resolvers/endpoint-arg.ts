import { notConfigured } from '../backends/errors.ts';
import { type IdGrammar, parseId } from '../backends/id-grammar.ts';
import type { ClientOf, Endpoint } from '../backends/registry.ts';
import type { BackendName } from '../domain/backend.ts';
import { ValidationError } from '../domain/errors.ts';
import type { Context } from './context.ts';
import { fromGlobalId, nativeIdArg } from './ids.ts';

const ENDPOINT_PATH = ['input', 'endpoint'] as const;

/** The endpoint a mutation acts on and its client. */
export interface MutationEndpoint<B extends BackendName> {
  readonly name: string;
  readonly client: ClientOf<B>;
}

/**
 * Which endpoint of `backend` a mutation acts on (SPEC §10): `input.endpoint` where given, else
 * the endpoint its global ids carry (`carried`), else the backend's only endpoint. Several
 * endpoints and nothing to tell them apart, an unknown endpoint, or ids of another endpoint than
 * `input.endpoint` are a ValidationError on `input.endpoint`; a backend without endpoints is
 * BACKEND_NOT_CONFIGURED, as before fleets.
 */
export function mutationEndpoint<B extends BackendName>(
  ctx: Context,
  backend: B,
  given: string | null | undefined,
  carried: Iterable<string | undefined> = [],
): MutationEndpoint<B> {
  const of = ctx.endpoints.of(backend) as Extract<Endpoint, { backend: B }>[];
  const problem = (message: string) => new ValidationError([{ path: [...ENDPOINT_PATH], message }]);
  const names = new Set([...carried].filter((n): n is string => n !== undefined));
  if (given !== undefined && given !== null) names.add(given);
  if (names.size > 1) throw problem('the ids given are of different endpoints');
  const [name] = names;
  if (name === undefined) {
    if (of.length === 0) throw notConfigured(backend);
    if (of.length > 1)
      throw problem(`required: backend ${backend.toUpperCase()} has ${of.length} endpoints`);
  }
  const endpoint = name === undefined ? of[0] : of.find((e) => e.name === name);
  if (!endpoint) {
    if (of.length === 0) throw notConfigured(backend);
    throw problem(`no endpoint of backend ${backend.toUpperCase()} has that name`);
  }
  return { name: endpoint.name, client: endpoint.client as ClientOf<B> };
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
  const endpoint = carried === undefined ? undefined : ctx.endpoints.named(carried);
  if (objectId !== undefined && endpoint?.backend === backend && carried !== backend)
    return { endpoint: carried, nativeId: parseId(grammar, objectId.slice(colon + 1), path) };
  const nativeId = nativeIdArg(value, typename, backend, path, grammar);
  return objectId === undefined ? { nativeId } : { endpoint: backend, nativeId };
}
