import DataLoader from 'dataloader';
import { NotFoundError, ValidationError } from '../domain/errors.ts';
import type { SortedRows } from '../inventory/sorted-rows.ts';
import { requestSlot } from '../request/slot.ts';
import { type CatalogEndpoint, type Keyed, loadByObjectIds } from '../resolvers/catalog.ts';
import type { Context } from '../resolvers/context.ts';
import { parseGlobalId } from '../resolvers/ids.ts';

/** The request's DataLoader for one node type: every lookup by id in a request is one batch. */
export type NodeLoader<T> = (ctx: Context) => DataLoader<string, T>;

/**
 * A request-scoped DataLoader kept on the context object (request/slot.ts), so it, its cache and
 * the data it loaded die with the request. (The Pothos dataloader plugin keyed its loaders on
 * the context in a module-level WeakMap, which kept each request's objects alive into V8's old
 * generation: the GC pauses behind the p99 latency in bench/RESULTS.md.)
 *
 * `load` answers ids in order, an Error for one it cannot (DataLoader rejects that key only).
 */
export function nodeLoader<T>(
  typename: string,
  load: (ids: readonly string[], ctx: Context) => Promise<readonly (T | Error)[]>,
): NodeLoader<T> {
  const slot = requestSlot<DataLoader<string, T>>(`plugin-graph.loader.${typename}`);
  return (ctx) => {
    let loader = slot.get(ctx);
    if (!loader) {
      loader = new DataLoader<string, T>((ids) => load(ids, ctx));
      slot.set(ctx, loader);
    }
    return loader;
  };
}

/**
 * For a Pothos node's `loadMany` (node, nodes): an id that cannot be loaded stays an Error
 * *value* in the list, so one failing id does not fail the whole `nodes` list; node.ts
 * turns an unknown one into null and leaves a backend failure an error on that item alone.
 * Pothos's type has no room for an Error item.
 */
export function loadManyForRelay<T>(
  loader: NodeLoader<T>,
): (ids: readonly string[], ctx: Context) => Promise<readonly T[]> {
  return (ids, ctx) => loader(ctx).loadMany(ids) as Promise<readonly T[]>;
}

/**
 * A lookup's failure that means "no such object" (Relay: null, no error): the backend does not
 * know the id, or its native part is not one that backend could ever issue.
 */
export function isUnknownId(err: unknown): boolean {
  return err instanceof NotFoundError || err instanceof ValidationError;
}

/**
 * The request's loader of one catalog type by object id `endpoint:nativeId`: however many ids a
 * request looks up, each endpoint's snapshot is read once per request and its index by id used
 * (`list`: resolvers/catalog.ts).
 */
export function catalogLoader<T extends Keyed>(
  typename: string,
  list: (ctx: Context, endpoint: CatalogEndpoint) => Promise<SortedRows<T>>,
): NodeLoader<T> {
  return nodeLoader<T>(typename, (ids, ctx) =>
    loadByObjectIds(
      ctx,
      ids,
      (endpoint) => list(ctx, endpoint),
      (id) => new NotFoundError(typename, id),
    ),
  );
}

/**
 * `_entities`: representations keep their order, an unknown one resolves to null, a backend
 * failure is an error on that entity only.
 */
export async function loadEntity<T>(
  globalId: string,
  typename: string,
  load: (id: string) => Promise<T>,
): Promise<T | null> {
  // A gateway sends what another subgraph holds: a malformed id is as unknown as a missing one.
  const decoded = typeof globalId === 'string' ? parseGlobalId(globalId) : undefined;
  if (decoded?.typename !== typename) return null;
  try {
    return await load(decoded.id);
  } catch (err) {
    if (isUnknownId(err)) return null;
    throw err;
  }
}
