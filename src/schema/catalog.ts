import type { Catalog, Inventory, RequestReads } from '../backends/catalog.ts';
import { inFlightOf } from '../backends/in-flight.ts';
import {
  CATALOG_BACKENDS,
  type CatalogBackend,
  isCatalogBackend,
  requireCatalog,
} from '../backends/registry.ts';
import type { Context } from '../context.ts';
import { BACKENDS, type BackendName } from '../domain/backend.ts';
import { NotFoundError } from '../domain/errors.ts';
import type { Host, Installation, Plugin } from '../domain/model.ts';
import { type NodeLoader, nodeLoader } from './node-loader.ts';
import { memo } from './request-memo.ts';

/**
 * Request-scoped access to each backend's lists: whatever number of parents ask, a backend's
 * plugin list, host list and installation list are each fetched at most once per request. Every
 * by-id lookup (node, nodes, _entities, Installation.plugin, Installation.host) indexes these.
 */
export const catalog = {
  plugins: (ctx: Context, backend: CatalogBackend): Promise<Plugin[]> =>
    memo(ctx, `plugins:${backend}`, () => {
      const source = requireCatalog(ctx.backends, backend);
      return shared(source, 'plugins', () => source.listPlugins(readsOf(ctx)));
    }),
  hosts: (ctx: Context, backend: CatalogBackend): Promise<Host[]> => {
    const source = requireCatalog(ctx.backends, backend);
    if (source.listInventory) return inventory(ctx, backend, source).then((i) => i.hosts);
    return memo(ctx, `hosts:${backend}`, () =>
      shared(source, 'hosts', () => source.listHosts(readsOf(ctx))),
    );
  },
  installations: (ctx: Context, backend: CatalogBackend): Promise<Installation[]> => {
    const source = requireCatalog(ctx.backends, backend);
    if (source.listInventory) return inventory(ctx, backend, source).then((i) => i.installations);
    return memo(ctx, `installations:${backend}`, () =>
      shared(source, 'installations', () => source.listInstallations(readsOf(ctx))),
    );
  },
};

/** Hosts and installations together where the vendor serves them from the same rows. */
function inventory(ctx: Context, backend: CatalogBackend, source: Catalog): Promise<Inventory> {
  const list = source.listInventory as (reads: RequestReads) => Promise<Inventory>;
  return memo(ctx, `inventory:${backend}`, () =>
    shared(source, 'inventory', () => list.call(source, readsOf(ctx))),
  );
}

/** The request's memo of vendor rows, shared by a backend's lists (backends/catalog.ts). */
function readsOf(ctx: Context): RequestReads {
  return (key, read) => memo(ctx, `read:${key}`, read);
}

/**
 * Requests running at the same time share one vendor call per list (in flight only, never
 * cached): a burst of identical reads costs the vendor one call, not one per request.
 */
function shared<T>(source: Catalog, key: string, call: () => Promise<T>): Promise<T> {
  return inFlightOf(source).run(key, call);
}

/** Splits an object id `backend:nativeId`; undefined for anything else. */
export function splitObjectId(id: string): { backend: BackendName; nativeId: string } | undefined {
  const colon = id.indexOf(':');
  if (colon < 0) return undefined;
  const backend = id.slice(0, colon);
  const nativeId = id.slice(colon + 1);
  if (!(BACKENDS as readonly string[]).includes(backend) || nativeId === '') return undefined;
  return { backend: backend as BackendName, nativeId };
}

/**
 * The request's loader of one catalog type by object id `backend:nativeId`: however many ids a
 * request looks up, each backend's list is read once (`list`, memoized per request above).
 */
export function catalogLoader<T extends { nativeId: string }>(
  typename: string,
  list: (ctx: Context, backend: CatalogBackend) => Promise<T[]>,
): NodeLoader<T> {
  return nodeLoader<T>(typename, (ids, ctx) =>
    loadByObjectIds(
      ids,
      (b) => list(ctx, b),
      (id) => new NotFoundError(typename, id),
    ),
  );
}

/**
 * Resolves object ids through one list per backend: results in key order, `missing(id)` for ids
 * the backend does not know (DataLoader turns an Error into a per-key rejection).
 */
export async function loadByObjectIds<T extends { nativeId: string }>(
  ids: readonly string[],
  list: (backend: CatalogBackend) => Promise<T[]>,
  missing: (id: string) => Error,
): Promise<(T | Error)[]> {
  const wanted = new Set<CatalogBackend>();
  for (const id of ids) {
    const parts = splitObjectId(id);
    if (parts && isCatalogBackend(parts.backend)) wanted.add(parts.backend);
  }
  const indexes = new Map<CatalogBackend, Promise<Map<string, T> | Error>>();
  for (const backend of wanted) {
    indexes.set(
      backend,
      list(backend).then(
        (items) => new Map(items.map((item) => [item.nativeId, item])),
        (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
      ),
    );
  }
  return Promise.all(
    ids.map(async (id) => {
      const parts = splitObjectId(id);
      if (!parts || !isCatalogBackend(parts.backend)) return missing(id);
      const index = await indexes.get(parts.backend);
      if (index instanceof Error) return index;
      return index?.get(parts.nativeId) ?? missing(id);
    }),
  );
}

/** Stable order across backends: by backend (SPEC order), then native id. */
export function compareByBackendThenId(
  a: { backend: BackendName; nativeId: string },
  b: { backend: BackendName; nativeId: string },
): number {
  return (
    BACKENDS.indexOf(a.backend) - BACKENDS.indexOf(b.backend) ||
    (a.nativeId < b.nativeId ? -1 : a.nativeId > b.nativeId ? 1 : 0)
  );
}

export { CATALOG_BACKENDS };
