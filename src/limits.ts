import { EnvelopArmor } from '@escape.tech/graphql-armor';
import type { GraphQLError } from 'graphql';
import { createGraphQLError, type Plugin as YogaPlugin } from 'graphql-yoga';
import { useNoSuggestions } from './no-suggestions.ts';

/**
 * Abuse limits (SPEC §8), checked before execution so an abusive document costs a parse and a
 * validation, never a backend call. Tuned so that every GraphiQL example operation and a
 * federation `_entities` request with 100 representations pass (test/security/limits.test.ts);
 * the README's Security section lists them.
 */
export const LIMITS = {
  /** Field nesting. A connection costs two levels (edges, node); `plugins → installations → host` fits. */
  maxDepth: 10,
  /** Aliased fields per operation: the cheap way to multiply one expensive field. */
  maxAliases: 15,
  /** Lexer tokens per document: bounds parsing work; GraphiQL's whole example document fits. */
  maxTokens: 2_000,
  /** Directives per operation. */
  maxDirectives: 20,
  /**
   * graphql-armor's cost: objects 2, scalars 1, ×1.5 per level, × `first` on a list. A page of
   * 100 plugins with their installations and hosts fits; nested pages of 100 do not.
   */
  maxCost: 20_000,
  /** Ids one `nodes(ids:)` takes: a page's worth; more is refused before any backend call. */
  maxNodes: 100,
  /** Request body bytes: `_entities` with 100 representations is ~10 KB. Larger: HTTP 413. */
  maxRequestBodyBytes: 1_048_576,
} as const;

/**
 * Request headers any one of which proves a request is not a "simple" cross-site one: the
 * browser preflights them, so CORS (app.ts) decides. Requests with a JSON (or any non-form)
 * content type are preflighted anyway and pass without one.
 */
export const CSRF_HEADERS = ['x-graphql-yoga-csrf', 'apollo-require-preflight', 'authorization'];

/** The `extensions.code` of a request refused by CSRF prevention (HTTP 403). */
export const CSRF_REQUIRED = 'CSRF_REQUIRED';

/** Content types a browser POSTs cross-site without a preflight (CORS "simple" requests). */
const SIMPLE_CONTENT_TYPE =
  /^\s*(?:application\/x-www-form-urlencoded|multipart\/form-data|text\/plain)/i;

/**
 * CSRF prevention (README, Security). A cross-site page can make a browser send a "simple"
 * request without asking CORS first: a GET, or a POST of a form or of text. GETs pass: they run
 * only queries and subscriptions (a mutation over GET is 405), which change nothing, and inbound
 * credentials are a bearer token, never an ambient cookie, so a forged GET reads nothing the
 * page could not fetch itself. A POST that is not preflighted (form, text, no content type) could
 * run a mutation, so it needs one of CSRF_HEADERS; a JSON POST is preflighted and passes.
 * Replaces @graphql-yoga/plugin-csrf-prevention, which refuses GETs too and gives no code.
 */
export function useCsrfPrevention(): YogaPlugin {
  return {
    onRequestParse({ request }) {
      if (request.method === 'GET') return;
      // No lower-casing, no split: a regex test allocates nothing on the JSON POST path.
      const type = request.headers.get('content-type');
      if (type !== null && !SIMPLE_CONTENT_TYPE.test(type)) return;
      for (const name of CSRF_HEADERS) if (request.headers.has(name)) return;
      throw createGraphQLError(
        `Cross-site request refused: a form or text POST needs one of the headers ${CSRF_HEADERS.join(', ')}`,
        { extensions: { code: CSRF_REQUIRED, http: { status: 403 } } },
      );
    },
  };
}

/** The `extensions.code` of a document refused by a limit; `extensions.limit` names the limit. */
export const LIMIT_EXCEEDED = 'QUERY_LIMIT_EXCEEDED';

export interface LimitsOptions {
  /** With introspection off, "Did you mean …?" suggestions are blocked too: they leak the schema. */
  readonly introspection: boolean;
}

export function useLimits(options: LimitsOptions): YogaPlugin[] {
  // Each rule reports through onReject; rethrowing a coded error there replaces armor's own
  // (uncoded) error, so clients can branch on the code.
  const reject =
    (limit: string) =>
    (_ctx: unknown, error: GraphQLError): never => {
      throw createGraphQLError(error.message.replace(/^Syntax Error: /, ''), {
        extensions: { code: LIMIT_EXCEEDED, limit },
      });
    };
  const armor = new EnvelopArmor({
    maxDepth: {
      n: LIMITS.maxDepth,
      onReject: [reject('maxDepth')],
      propagateOnRejection: false,
    },
    maxAliases: {
      n: LIMITS.maxAliases,
      onReject: [reject('maxAliases')],
      propagateOnRejection: false,
    },
    maxTokens: {
      n: LIMITS.maxTokens,
      onReject: [reject('maxTokens')],
      propagateOnRejection: false,
    },
    maxDirectives: {
      n: LIMITS.maxDirectives,
      onReject: [reject('maxDirectives')],
      propagateOnRejection: false,
    },
    costLimit: {
      maxCost: LIMITS.maxCost,
      onReject: [reject('maxCost')],
      propagateOnRejection: false,
    },
    // Replaced by useNoSuggestions, which also hides enum value hints and variables' hints.
    blockFieldSuggestion: { enabled: false },
  });
  return [
    ...(armor.protect().plugins as YogaPlugin[]),
    ...(options.introspection ? [] : [useNoSuggestions()]),
    useCsrfPrevention(),
  ];
}
