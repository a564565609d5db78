import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import { createGraphQLError, type GraphQLParams, type Plugin as YogaPlugin } from 'graphql-yoga';
import { sha256Hex, type TrustedDocuments } from '../config/persisted-documents.ts';
import { requestSlot } from '../request/slot.ts';
import type { ApqStore } from './apq-store.ts';

/**
 * Persisted documents over HTTP (docs/persisted-documents.md): a request names a document instead
 * of sending its text, by
 * - `documentId` (GraphQL over HTTP's persisted documents, GraphQL Codegen), `doc_id` or `id`
 *   (Relay), in the JSON body or the GET query string: an id of the manifest
 *   (PLUGIN_GRAPH_TRUSTED_DOCUMENTS), or `sha256:<hex>` of one of its texts;
 * - `extensions.persistedQuery: { version: 1, sha256Hash }` without `query` (Apollo's automatic
 *   persisted queries): the manifest's text of that hash, else one registered before.
 * Unknown: PERSISTED_QUERY_NOT_FOUND (404), which makes Apollo's PersistedQueryLink send the text
 * with the hash once; that text registers under the hash (PERSISTED_QUERY_MISMATCH if it is not
 * the text's SHA-256) after it parsed and validated, limits included, into a bounded store
 * (apq-store.ts; Redis with REDIS_URL). With PLUGIN_GRAPH_TRUSTED_ONLY nothing registers and a hash
 * names the manifest's documents only (guards/trusted-documents.ts refuses any other text).
 *
 * The named text then takes the place of `query`, and everything after runs as for a text sent:
 * the one parse per text (Yoga's cache), validation, the operation `operationName` selects, and
 * every check of it (GET, CSRF, role, audit; http/jit.ts compiles single-operation documents only).
 * @graphql-yoga/plugin-persisted-operations does the substitution; @graphql-yoga/plugin-apq is not
 * used: it stores every text before validation, so anyone could fill the store with garbage.
 */

export const PERSISTED_QUERY_NOT_FOUND = 'PERSISTED_QUERY_NOT_FOUND';
export const PERSISTED_QUERY_MISMATCH = 'PERSISTED_QUERY_MISMATCH';

export interface PersistedDocumentsOptions {
  readonly trusted?: TrustedDocuments | undefined;
  /** PLUGIN_GRAPH_TRUSTED_ONLY: hashes name manifest documents only; nothing registers. */
  readonly trustedOnly: boolean;
  readonly store: ApqStore;
  /** The store failed (Redis down): the request goes on as a miss, or unregistered. */
  readonly onStoreError: (err: unknown) => void;
}

const SHA256 = /^[0-9a-f]{64}$/;
const ID_PARAMS = ['documentId', 'doc_id', 'id'] as const;

export function usePersistedDocuments(options: PersistedDocumentsOptions): YogaPlugin[] {
  const { trusted, trustedOnly, store, onStoreError } = options;
  const registering = requestSlot<{ hash: string; text: string; stored?: Promise<void> }>(
    'plugin-graph.apq-register',
  );

  const lookup = async (key: string): Promise<string | null> => {
    const hash = key.startsWith('sha256:') ? key.slice('sha256:'.length) : key;
    const known = trusted?.byId.get(key) ?? trusted?.bySha256.get(hash);
    if (known !== undefined) return known;
    if (trustedOnly || !SHA256.test(hash)) return null;
    try {
      return (await store.get(hash)) ?? null;
    } catch (err) {
      onStoreError(err);
      return null;
    }
  };

  const register: YogaPlugin = {
    // A text sent with its hash: checked now, stored once it validated (below).
    onParams({ params, context }) {
      if (typeof params.query !== 'string' || !params.query) return;
      const hash = apqHash(params);
      if (hash === undefined) return;
      if (sha256Hex(params.query) !== hash)
        throw createGraphQLError('PersistedQueryMismatch', {
          extensions: { code: PERSISTED_QUERY_MISMATCH, http: { status: 400 } },
        });
      if (!trustedOnly && !trusted?.bySha256.has(hash))
        registering.set(context, { hash, text: params.query });
    },
    onValidate({ context }) {
      const pending = registering.get(context);
      if (!pending) return;
      // After every validation rule, graphql-armor's limits among them: a refused document
      // throws before this runs.
      return ({ valid }) => {
        if (valid) pending.stored = store.set(pending.hash, pending.text).catch(onStoreError);
      };
    },
    // The answer leaves once the document is stored: the client's next request, to any
    // instance, finds it.
    onExecutionResult({ context }) {
      return registering.get(context)?.stored;
    },
  };

  const substitute = usePersistedOperations({
    // Texts are allowed here; PLUGIN_GRAPH_TRUSTED_ONLY judges them on every transport.
    allowArbitraryOperations: true,
    extractPersistedOperationId: (params, request) =>
      documentIdOf(params, request) ?? apqHash(params) ?? null,
    getPersistedOperation: lookup,
    customErrors: {
      notFound: () =>
        createGraphQLError('PersistedQueryNotFound', {
          extensions: {
            code: PERSISTED_QUERY_NOT_FOUND,
            // Not cacheable: once registered, the same GET finds it.
            http: { status: 404, headers: { 'cache-control': 'no-store' } },
          },
        }),
      // Neither a text nor a name: what Yoga answers without the plugin.
      keyNotFound: () =>
        createGraphQLError('Must provide query string.', {
          extensions: {
            code: 'BAD_REQUEST',
            http: { spec: true, status: 400, headers: { Allow: 'GET, POST' } },
          },
        }),
    },
  }) as YogaPlugin;
  return [register, substitute];
}

/** The hash of an APQ extension `{ version: 1, sha256Hash }`, lower-case hex; else undefined. */
function apqHash(params: GraphQLParams): string | undefined {
  const persisted = params.extensions?.persistedQuery as
    | { version?: unknown; sha256Hash?: unknown }
    | null
    | undefined;
  if (persisted?.version !== 1 || typeof persisted.sha256Hash !== 'string') return undefined;
  return persisted.sha256Hash.toLowerCase();
}

/**
 * `documentId`, `doc_id` or `id`: from the JSON body (Yoga hands it over whole) or, for a GET,
 * the query string (Yoga's GET parser keeps only query, operationName, variables, extensions).
 */
function documentIdOf(params: GraphQLParams, request: Request): string | undefined {
  const body = params as Record<string, unknown>;
  const search = request.method === 'GET' ? new URL(request.url).searchParams : undefined;
  for (const name of ID_PARAMS) {
    const value = search ? search.get(name) : body[name];
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}
