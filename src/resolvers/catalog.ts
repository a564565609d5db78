import { createGraphQLError } from 'graphql-yoga';
import type { Catalog } from '../backends/catalog.ts';
import { notConfigured } from '../backends/errors.ts';
import { isCatalogBackend } from '../backends/registry.ts';
import { requestOnce } from '../backends/request-once.ts';
import type { BackendName } from '../domain/backend.ts';
import type { Host, Installation, Plugin } from '../domain/model.ts';
import type { Keyed } from '../inventory/order.ts';
import type { SortedRows } from '../inventory/sorted-rows.ts';
import type { InventoryView } from '../inventory/store.ts';
import type { CatalogTarget } from '../inventory/target.ts';
import type { Context } from './context.ts';
import { fromGlobalId } from './ids.ts';

export type { CatalogTarget } from '../inventory/target.ts';

function sourceOf(target: CatalogTarget): Catalog {
  if (!target.source) throw notConfigured(target.backend);
  return target.source;
}

/**
 * Each endpoint's inventory snapshot (src/inventory/), as the request sees it: read once per
 * request, so every field of one request answers from the same snapshot of an endpoint. Only an
 * endpoint's first read, or one of a snapshot past INVENTORY_MAX_STALE_MS, waits for the vendor.
 */
export function inventoryOf(ctx: Context, target: CatalogTarget): Promise<InventoryView> {
  return requestOnce(ctx, `inventory:${target.name}`, async () =>
    ctx.inventory.read(target, sourceOf(target)),
  );
}

/**
 * Request-scoped access to each endpoint's sorted lists. Every by-id lookup (node, nodes,
 * _entities, Installation.plugin, Installation.host) uses their index by native id.
 */
export const catalog = {
  plugins: async (ctx: Context, target: CatalogTarget): Promise<SortedRows<Plugin>> =>
    (await inventoryOf(ctx, target)).snapshot.plugins,
  hosts: async (ctx: Context, target: CatalogTarget): Promise<SortedRows<Host>> =>
    (await inventoryOf(ctx, target)).snapshot.hosts,
  installations: async (ctx: Context, target: CatalogTarget): Promise<SortedRows<Installation>> =>
    (await inventoryOf(ctx, target)).snapshot.installations,
};

/** The configured endpoint of that name, as a catalog target; undefined for any other name. */
export function catalogTarget(ctx: Context, name: string): CatalogTarget | undefined {
  const endpoint = ctx.endpoints.named(name);
  if (!endpoint || !isCatalogBackend(endpoint.backend)) return undefined;
  return { name, backend: endpoint.backend, source: endpoint.client as Catalog };
}

/**
 * The endpoints a list query covers: the one named by `endpoint` (an error coded BAD_USER_INPUT
 * on the field when no endpoint has that name or it is not of `backend`), every endpoint of the
 * backend asked for (even when it has none, so the caller hears BACKEND_NOT_CONFIGURED), or
 * every configured one.
 */
export function listTargets(
  ctx: Context,
  backend: BackendName | null | undefined,
  endpoint?: string | null,
): CatalogTarget[] {
  if (endpoint !== undefined && endpoint !== null) {
    const named = ctx.endpoints.named(endpoint);
    if (!named || (backend && named.backend !== backend)) {
      const what = backend ? ` of backend ${backend.toUpperCase()}` : '';
      throw createGraphQLError(`endpoint: no endpoint${what} of that name is configured`, {
        extensions: { code: 'BAD_USER_INPUT', argument: 'endpoint' },
      });
    }
    const target = catalogTarget(ctx, endpoint);
    return target ? [target] : [];
  }
  const targets = ctx.endpoints.all
    .filter((e) => (backend ? e.backend === backend : true))
    .map((e) => catalogTarget(ctx, e.name))
    .filter((t): t is CatalogTarget => t !== undefined);
  if (backend && targets.length === 0 && isCatalogBackend(backend))
    return [{ name: backend, backend }];
  return targets;
}

/**
 * The `installations` query's arguments: the endpoints to ask and, given a plugin (global id or
 * `endpoint:nativeId`), the plugin whose installations to page.
 */
export function installationsQuery(
  ctx: Context,
  args: { backend?: BackendName | null; endpoint?: string | null; pluginId?: string | null },
): { targets: CatalogTarget[]; pluginNativeId?: string } {
  const plugin = args.pluginId
    ? (fromGlobalId(args.pluginId, 'Plugin') ?? args.pluginId)
    : undefined;
  const colon = plugin?.indexOf(':') ?? -1;
  const pluginEndpoint = plugin && colon > 0 ? plugin.slice(0, colon) : undefined;
  const pluginNativeId = plugin && colon > 0 ? plugin.slice(colon + 1) : plugin;
  let targets = listTargets(ctx, args.backend, args.endpoint);
  if (pluginEndpoint) targets = targets.filter((t) => t.name === pluginEndpoint);
  return pluginNativeId === undefined ? { targets } : { targets, pluginNativeId };
}

/** Splits an object id `endpoint:nativeId`; undefined for anything else. */
export function splitObjectId(id: string): { endpoint: string; nativeId: string } | undefined {
  const colon = id.indexOf(':');
  if (colon <= 0) return undefined;
  const nativeId = id.slice(colon + 1);
  if (nativeId === '') return undefined;
  return { endpoint: id.slice(0, colon), nativeId };
}

/**
 * Resolves object ids through one list per endpoint: results in key order, `missing(id)` for ids
 * no endpoint knows (DataLoader turns an Error into a per-key rejection).
 */
export async function loadByObjectIds<T extends Keyed>(
  ctx: Context,
  ids: readonly string[],
  list: (target: CatalogTarget) => Promise<SortedRows<T>>,
  missing: (id: string) => Error,
): Promise<(T | Error)[]> {
  const indexes = new Map<string, Promise<SortedRows<T> | Error>>();
  for (const id of ids) {
    const endpoint = splitObjectId(id)?.endpoint;
    const target = endpoint === undefined ? undefined : idTarget(ctx, endpoint);
    if (!target || indexes.has(target.name)) continue;
    indexes.set(
      target.name,
      list(target).then(
        (rows) => rows,
        (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
      ),
    );
  }
  return Promise.all(
    ids.map(async (id) => {
      const parts = splitObjectId(id);
      const index = parts && (await indexes.get(parts.endpoint));
      if (index instanceof Error) return index;
      return (parts && index?.get(parts.nativeId)) ?? missing(id);
    }),
  );
}

/** An id's endpoint; a catalog backend's name without an endpoint is BACKEND_NOT_CONFIGURED. */
function idTarget(ctx: Context, endpoint: string): CatalogTarget | undefined {
  const target = catalogTarget(ctx, endpoint);
  if (target || !isCatalogBackend(endpoint) || ctx.endpoints.named(endpoint)) return target;
  return { name: endpoint, backend: endpoint };
}

export { compareByBackendThenId, type Keyed } from '../inventory/order.ts';
