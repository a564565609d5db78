import { createInMemoryCache, useResponseCache } from '@envelop/response-cache';
import { type DocumentNode, type GraphQLSchema, isObjectType } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { callerOf } from '../auth/auth.ts';
import { callerScope } from '../auth/policy.ts';
import type { InventoryStore } from '../inventory/store.ts';
import { requestSlot } from '../request/slot.ts';
import { oldestSnapshotRead } from '../resolvers/snapshot-reads.ts';

/**
 * The types whose every field answers from the inventory snapshots (src/inventory/): an answer
 * made only of these (and the root) is the same for every caller of a role until a snapshot is
 * replaced. Any other type in an answer (a Task, a BackendStatus, an Update, an AuditEntry, an
 * error: live state) keeps it out of the cache, and so does any GraphQL error.
 */
export const SNAPSHOT_TYPES: ReadonlySet<string> = new Set([
  'Plugin',
  'PluginConnection',
  'PluginEdge',
  'Host',
  'HostConnection',
  'HostEdge',
  'Installation',
  'InstallationConnection',
  'InstallationEdge',
  'PageInfo',
]);

// On the document object itself, not in a module-level WeakMap (request/slot.ts says why).
const documentKeys = requestSlot<string>('plugin-graph.response-cache-document');
let documents = 0;

/** A number per document object, for as long as the object lives. */
function documentKey(document: DocumentNode): string {
  let key = documentKeys.get(document);
  // A frozen document cannot carry its number: its text stands for it, as the default does.
  if (key === undefined && Object.isFrozen(document)) return `text:${document.loc?.source.body}`;
  if (key === undefined) {
    key = String(++documents);
    documentKeys.set(document, key);
  }
  return key;
}

/** At most this long, however fresh the snapshots: a bound on what a cached answer may hide. */
const MAX_TTL_MS = 1_000;

/**
 * Answers of reads built only from snapshots are kept (envelop's response cache, in memory, per
 * instance) and answered again without executing, until any snapshot is replaced (the key holds
 * the inventory's generation), the oldest snapshot the answer read turns INVENTORY_MAX_STALE_MS
 * old (when the read would say STALE), or a second passes. Per role: what a viewer and an
 * operator see may differ. Mutations and subscriptions are never cached. Issue 25's section 1:
 * a list read by many clients costs its execution once per snapshot.
 */
export function useSnapshotResponseCache(
  schema: GraphQLSchema,
  inventory: InventoryStore,
  maxStaleMs: number,
): Plugin {
  const live: Record<string, number> = {};
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__') || SNAPSHOT_TYPES.has(type.name))
      continue;
    if (type === schema.getQueryType()) continue;
    live[type.name] = 0;
  }
  return useResponseCache({
    cache: createInMemoryCache({ max: 1_000 }),
    ttl: Math.min(MAX_TTL_MS, maxStaleMs),
    ttlPerSchemaCoordinate: live,
    // The role, and under a policy file the grants that apply (SPEC §14, auth/policy.ts): two
    // teams of one role see different endpoints, and must never be served each other's answer.
    session: (context) => (callerOf(context) ? callerScope(context).key : 'anonymous'),
    // A mutation changes what the vendor holds; the snapshot refresh it starts moves the key.
    invalidateViaMutation: false,
    // Yoga's parser hands back one document object per text: its number stands for the text, so
    // a key costs no hash of it (the default hashes the whole text with SHA-256, asynchronously).
    getDocumentString: (args) => documentKey(args.document),
    buildResponseCacheKey: (params) =>
      `${inventory.generation}|${params.documentString}|${params.operationName ?? ''}|${params.sessionId ?? ''}|${JSON.stringify(params.variableValues ?? {})}`,
    onTtl: ({ ttl, context }) => {
      const oldest = oldestSnapshotRead(context);
      if (oldest === undefined) return ttl;
      return Math.max(0, Math.min(ttl, oldest + maxStaleMs - Date.now()));
    },
    includeExtensionMetadata: false,
  }) as Plugin;
}
