import { type Catalog, readCatalog } from '../backends/catalog.ts';
import {
  CATALOG_BACKENDS,
  type CatalogBackend,
  isCatalogBackend,
  requireCatalog,
} from '../backends/registry.ts';
import { requestOnce } from '../backends/request-once.ts';
import type { Context } from '../context.ts';
import { BACKENDS, type BackendName } from '../domain/backend.ts';
import type { Host, Installation, Plugin } from '../domain/model.ts';
import { fromGlobalId } from './ids.ts';

/**
 * Request-scoped access to each backend's lists: whatever number of parents ask, a backend's
 * plugin list, host list and installation list are each fetched at most once per request. Every
 * by-id lookup (node, nodes, _entities, Installation.plugin, Installation.host) indexes these.
 */
export const catalog = {
  plugins: (ctx: Context, backend: CatalogBackend): Promise<Plugin[]> =>
    requestOnce(ctx, `plugins:${backend}`, () =>
      readCatalog(requireCatalog(ctx.backends, backend), 'plugins', ctx),
    ),
  hosts: (ctx: Context, backend: CatalogBackend): Promise<Host[]> => {
    const source = requireCatalog(ctx.backends, backend);
    if (source.listInventory) return inventory(ctx, backend, source).then((i) => i.hosts);
    return requestOnce(ctx, `hosts:${backend}`, () => readCatalog(source, 'hosts', ctx));
  },
  installations: (ctx: Context, backend: CatalogBackend): Promise<Installation[]> => {
    const source = requireCatalog(ctx.backends, backend);
    if (source.listInventory) return inventory(ctx, backend, source).then((i) => i.installations);
    return requestOnce(ctx, `installations:${backend}`, () =>
      readCatalog(source, 'installations', ctx),
    );
  },
};

/** Hosts and installations together where the vendor serves them from the same rows. */
function inventory(ctx: Context, backend: CatalogBackend, source: Catalog) {
  return requestOnce(ctx, `inventory:${backend}`, () => readCatalog(source, 'inventory', ctx));
}

/**
 * The backends a list query covers: the one asked for (even when not configured, so the caller
 * hears BACKEND_NOT_CONFIGURED), or every configured one.
 */
export function listTargets(
  ctx: Context,
  backend: BackendName | null | undefined,
): CatalogBackend[] {
  if (backend) return isCatalogBackend(backend) ? [backend] : [];
  return CATALOG_BACKENDS.filter((b) => ctx.backends[b] !== undefined);
}

/**
 * The `installations` query's arguments: the backends to ask and, given a plugin (global id or
 * `backend:nativeId`), which installations to keep.
 */
export function installationsQuery(
  ctx: Context,
  args: { backend?: BackendName | null; pluginId?: string | null },
): { backends: CatalogBackend[]; keep?: (i: Installation) => boolean } {
  const plugin = args.pluginId
    ? (fromGlobalId(args.pluginId, 'Plugin') ?? args.pluginId)
    : undefined;
  const colon = plugin?.indexOf(':') ?? -1;
  const pluginBackend = plugin && colon > 0 ? plugin.slice(0, colon) : undefined;
  const pluginNativeId = plugin && colon > 0 ? plugin.slice(colon + 1) : plugin;
  let backends = listTargets(ctx, args.backend);
  if (pluginBackend) backends = backends.filter((b) => b === pluginBackend);
  if (pluginNativeId === undefined) return { backends };
  return { backends, keep: (i) => i.pluginNativeId === pluginNativeId };
}

/**
 * Installations of a backend grouped by plugin / host, once per request: `plugins { installations }`
 * costs one installation list per backend, never one call per plugin.
 */
export async function installationsWhere(
  ctx: Context,
  backend: string,
  match: (i: Installation) => boolean,
): Promise<Installation[]> {
  if (!isCatalogBackend(backend)) return [];
  return (await catalog.installations(ctx, backend)).filter(match);
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
