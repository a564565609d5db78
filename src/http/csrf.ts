import { createGraphQLError, type Plugin as YogaPlugin } from 'graphql-yoga';

/**
 * Request headers any one of which proves a request is not a "simple" cross-site one: the
 * browser preflights them, so CORS (cors.ts) decides. Requests with a JSON (or any non-form)
 * content type are preflighted anyway and pass without one.
 */
export const CSRF_HEADERS = ['x-graphql-yoga-csrf', 'apollo-require-preflight', 'authorization'];

/** The `extensions.code` of a request refused by CSRF prevention (HTTP 403). */
export const CSRF_REQUIRED = 'CSRF_REQUIRED';

/** Content types a browser POSTs cross-site without a preflight (CORS "simple" requests). */
const SIMPLE_CONTENT_TYPE =
  /^\s*(?:application\/x-www-form-urlencoded|multipart\/form-data|text\/plain)/i;

/**
 * CSRF prevention (docs/security.md). A cross-site page can make a browser send a "simple"
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
