import { createHash, timingSafeEqual } from 'node:crypto';
import { type DocumentNode, type GraphQLSchema, getOperationAST } from 'graphql';
import { createGraphQLError, type Plugin as YogaPlugin } from 'graphql-yoga';
import type { Config, Role } from '../config/index.ts';
import { requestSlot } from '../request/slot.ts';
import { createJwtVerifier, type JwtVerifierOptions, NoRoleError } from './jwt.ts';

/**
 * Inbound auth (SPEC §8): bearer tokens from PLUGIN_GRAPH_TOKENS, each with a role. `viewer` may
 * query and subscribe, `operator` may also mutate. With auth mode `none` (demo mode, or
 * PLUGIN_GRAPH_AUTH=none) everyone is an operator.
 */

/**
 * Who is calling: what they may do, and the name the audit trail and `Task.startedBy` show
 * (SPEC §11). `via` says how they proved it: a static token, a JWT, or nothing (auth off).
 */
export interface Caller {
  readonly role: Role;
  readonly name: string;
  readonly via: 'token' | 'jwt' | 'demo';
  /** A JWT caller's groups (PLUGIN_GRAPH_JWT_GROUPS_CLAIM), matched by the policy's `group:` subjects. */
  readonly groups?: readonly string[];
  /**
   * A JWT caller's end: its `exp` plus the leeway, epoch milliseconds. A subscription opened
   * with it ends then with UNAUTHENTICATED (http/live-subscriptions.ts). Static tokens: none.
   */
  readonly expiresAt?: number;
}

/** Everyone, with auth off (demo mode, PLUGIN_GRAPH_AUTH=none): an operator nobody can name. */
export const ANONYMOUS_OPERATOR: Caller = { role: 'operator', name: 'anonymous', via: 'demo' };

/**
 * The caller from an `Authorization` header value (`Bearer <token>`), or undefined when the
 * header is missing, malformed or names no configured token nor a valid JWT. Throws NoRoleError
 * (jwt.ts) for a valid JWT holding no role: FORBIDDEN, not UNAUTHENTICATED. Used by the HTTP
 * plugin below, the WebSocket `connection_init` check and graphql-sse's single connection mode.
 */
export type Authenticate = (
  authorization: string | null | undefined,
) => MaybePromise<Caller | undefined>;

/**
 * A static token is checked synchronously (no promise, no extra turn of the event loop on every
 * request); only a JWT, whose keys may need fetching, makes the answer a promise.
 */
type MaybePromise<T> = T | Promise<T>;

function isPromise<T>(value: MaybePromise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | undefined)?.then === 'function';
}

export function createAuthenticate(
  auth: Config['auth'],
  jwtOptions: JwtVerifierOptions = {},
): Authenticate {
  if (auth.mode === 'none') return () => ANONYMOUS_OPERATOR;
  const verifyJwt = auth.jwt && createJwtVerifier(auth.jwt, jwtOptions);
  // Digests, not tokens, are compared: equal lengths for timingSafeEqual whatever is presented,
  // and the comparison time says nothing about how much of a token matched.
  const known = [...auth.tokens].map(([token, grant]) => ({
    digest: sha256(token),
    caller: { ...grant, via: 'token' } satisfies Caller,
  }));
  const verified = async (token: string): Promise<Caller | undefined> => {
    const identity = await verifyJwt?.(token);
    return identity && { ...identity, via: 'jwt' };
  };
  return (authorization) => {
    const token = bearerToken(authorization);
    if (token === undefined) return undefined;
    const digest = sha256(token);
    let caller: Caller | undefined;
    // Every entry is compared, a match or not, so timing does not tell which entry matched.
    for (const entry of known) {
      if (timingSafeEqual(entry.digest, digest) && caller === undefined) caller = entry.caller;
    }
    if (caller !== undefined || verifyJwt === undefined || !COMPACT_JWT.test(token)) return caller;
    return verified(token);
  };
}

/**
 * The key per-caller limits count under (open subscriptions, http/live-subscriptions.ts), from
 * an operation's context on any transport. A static token's caller is the token: its SHA-256
 * digest, so the token itself is kept nowhere. A JWT user is their name: one caller across token
 * refreshes, whose every new token has another digest. With auth off nothing tells callers apart:
 * everyone shares one bucket, `anonymous` (the per-caller cap then bounds them all together).
 */
export type CallerKey = (context: object) => string;

export const ANONYMOUS_CALLER = 'anonymous';

export function createCallerKey(auth: Config['auth']): CallerKey {
  if (auth.mode === 'none') return () => ANONYMOUS_CALLER;
  return (context) => {
    const caller = callerOf(context);
    if (caller?.via === 'jwt') return `jwt:${caller.name}`;
    const token = bearerToken(authorizationOf(context as CallerContext));
    return token === undefined ? ANONYMOUS_CALLER : sha256(token).toString('base64');
  };
}

// header.payload.signature, base64url each (an unsigned `alg: none` token has an empty third part).
const COMPACT_JWT = /^[\w-]+\.[\w-]+\.[\w-]*$/;

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function bearerToken(authorization: string | null | undefined): string | undefined {
  const match = /^\s*bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match?.[1];
}

export function unauthenticatedError() {
  return createGraphQLError('Missing or invalid bearer token', {
    extensions: {
      code: 'UNAUTHENTICATED',
      http: { status: 401, headers: { 'www-authenticate': 'Bearer realm="plugin-graph"' } },
    },
  });
}

/** A signed-in user holding no role (jwt.ts NoRoleError): 403 on HTTP. */
export function noRoleError() {
  return createGraphQLError('The signed-in user holds no plugin-graph role (viewer or operator)', {
    extensions: { code: 'FORBIDDEN', http: { status: 403 } },
  });
}

export function forbiddenError() {
  return createGraphQLError('Mutations need an operator token', {
    extensions: { code: 'FORBIDDEN' },
  });
}

/** The parts of a Yoga or graphql-ws context that may carry credentials. */
interface CallerContext {
  readonly request?: Request;
  /** graphql-ws: the connection_init payload, `{ "authorization": "Bearer …" }`. */
  readonly connectionParams?: Readonly<Record<string, unknown>>;
  /** graphql-ws through Yoga's recipe: the HTTP upgrade request. */
  readonly req?: { readonly headers?: Readonly<Record<string, unknown>> };
}

/** Where the caller's credentials are, for the transports Yoga serves and graphql-ws. */
function authorizationOf(context: CallerContext): string | undefined {
  const fromRequest = context.request?.headers?.get?.('authorization');
  if (fromRequest) return fromRequest;
  const params = context.connectionParams;
  const fromParams = params?.authorization ?? params?.Authorization;
  if (typeof fromParams === 'string') return fromParams;
  const fromUpgrade = context.req?.headers?.authorization;
  return typeof fromUpgrade === 'string' ? fromUpgrade : undefined;
}

function isMutation(document: DocumentNode, operationName: string | null | undefined): boolean {
  return getOperationAST(document, operationName)?.operation === 'mutation';
}

/** What useAuth knows of an operation it refused. */
export interface RefusedOperation {
  readonly caller: Caller;
  readonly schema: GraphQLSchema;
  readonly document: DocumentNode;
  readonly operationName?: string | null | undefined;
  readonly variables?: Readonly<Record<string, unknown>> | null | undefined;
}

/** The caller an operation runs for, once useAuth let it in (undefined before, or with it off). */
export function callerOf(context: object): Caller | undefined {
  return (context as { caller?: Caller }).caller;
}

/**
 * HTTP: no or bad token -> 401 UNAUTHENTICATED before the document is even parsed. Every
 * transport: the caller is put on the context (`caller`, read with `callerOf`); a viewer's
 * mutation -> FORBIDDEN at the operation level, before any resolver runs, so nothing reaches a
 * backend (and `onForbidden` writes its audit entries). Routes answered in `onRequest` (/healthz, /readyz, /metrics, GraphiQL's page) never
 * get here and stay open.
 */
export function useAuth(
  authenticate: Authenticate,
  onForbidden?: (refused: RefusedOperation) => Promise<void>,
  /**
   * Whether the caller may send a mutation at all (scoped access: an operator grant somewhere,
   * auth/policy.ts `operatesAny`); default: an operator role.
   */
  mayMutate: (context: object, caller: Caller) => boolean = (_context, caller) =>
    caller.role === 'operator',
): YogaPlugin {
  const callers = requestSlot<Caller>('plugin-graph.caller');
  return {
    onParams({ request }) {
      const admit = (caller: Caller | typeof NO_ROLE | undefined) => {
        if (caller === undefined) throw unauthenticatedError();
        if (caller === NO_ROLE) throw noRoleError();
        callers.set(request, caller);
      };
      const caller = authenticateOrForbid(authenticate, request.headers.get('authorization'));
      if (isPromise(caller)) return caller.then(admit);
      return admit(caller);
    },
    onContextBuilding({ context, extendContext }) {
      // Yoga types the extension as its own initial context; `caller` is ours
      // (resolvers/context.ts). A WebSocket's user without role gets in (graphql-ws could only
      // close with 4403, no code) and each of their operations is refused with FORBIDDEN below.
      const extend = (caller: Caller | typeof NO_ROLE | undefined) => {
        if (caller === NO_ROLE) extendContext({ [NO_ROLE]: true } as Record<string, unknown>);
        else if (caller !== undefined) extendContext({ caller } as Record<string, unknown>);
      };
      const known = context.request ? callers.get(context.request) : undefined;
      const caller =
        known ?? authenticateOrForbid(authenticate, authorizationOf(context as CallerContext));
      if (isPromise(caller)) return caller.then(extend);
      return extend(caller);
    },
    onExecute({ args, setResultAndStopExecution }) {
      const caller = callerOf(args.contextValue as object);
      if (hasNoRole(args.contextValue)) setResultAndStopExecution({ errors: [noRoleError()] });
      else if (caller === undefined)
        setResultAndStopExecution({ errors: [unauthenticatedError()] });
      else if (
        isMutation(args.document, args.operationName) &&
        !mayMutate(args.contextValue as object, caller)
      ) {
        // The refusal is audited (one FORBIDDEN entry per mutation field) before it is answered;
        // a trail that cannot take it does not turn the refusal into anything else. Only this
        // path waits: every other operation goes on in the same turn.
        const refuse = () => setResultAndStopExecution({ errors: [forbiddenError()] });
        if (!onForbidden) return refuse();
        return onForbidden({
          caller,
          schema: args.schema,
          document: args.document,
          operationName: args.operationName,
          variables: args.variableValues,
        })
          .catch(() => undefined)
          .then(refuse);
      }
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      // Subscribing is a viewer's right; only the unauthenticated are turned away.
      if (hasNoRole(args.contextValue)) setResultAndStopExecution({ errors: [noRoleError()] });
      else if (callerOf(args.contextValue as object) === undefined)
        setResultAndStopExecution({ errors: [unauthenticatedError()] });
    },
  };
}

const NO_ROLE = Symbol('plugin-graph.no-role');

/** The caller, undefined when unauthenticated, or NO_ROLE for a signed-in user without role. */
function authenticateOrForbid(
  authenticate: Authenticate,
  authorization: string | null | undefined,
): MaybePromise<Caller | typeof NO_ROLE | undefined> {
  let caller: MaybePromise<Caller | undefined>;
  try {
    caller = authenticate(authorization);
  } catch (err) {
    return noRoleOrThrow(err);
  }
  return isPromise(caller) ? caller.catch(noRoleOrThrow) : caller;
}

function noRoleOrThrow(err: unknown): typeof NO_ROLE {
  if (err instanceof NoRoleError) return NO_ROLE;
  throw err;
}

function hasNoRole(context: unknown): boolean {
  return (context as { [NO_ROLE]?: boolean })[NO_ROLE] === true;
}
