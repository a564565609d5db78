import { createGraphQLError } from 'graphql-yoga';
import { visible } from '../auth/policy.ts';
import type { Catalog } from '../backends/catalog.ts';
import { notConfigured } from '../backends/errors.ts';
import { type CatalogBackend, type Endpoint, isCatalogBackend } from '../backends/registry.ts';
import { requestOnce } from '../backends/request-once.ts';
import type { BackendName } from '../domain/backend.ts';
import type { EndpointRef } from '../domain/endpoint.ts';
import type { Host, Installation, Plugin } from '../domain/model.ts';
import type { Keyed } from '../inventory/order.ts';
import type { SortedRows } from '../inventory/sorted-rows.ts';
import type { InventoryView } from '../inventory/store.ts';
import type { Context } from './context.ts';
import { fromGlobalId } from './ids.ts';
import { noteSnapshotRead } from './snapshot-reads.ts';

/**
 * An endpoint a catalog list reads, with its client as a `Catalog`. `source` is absent for a
 * backend asked for by name that has no endpoint: reading it is that backend's
 * BACKEND_NOT_CONFIGURED.
 */
export interface CatalogEndpoint extends EndpointRef<CatalogBackend> {
  readonly source?: Catalog | undefined;
}

function sourceOf(endpoint: CatalogEndpoint): Catalog {
  if (!endpoint.source) throw notConfigured(endpoint.backend);
  return endpoint.source;
}

/**
 * Each endpoint's inventory snapshot (src/inventory/), as the request sees it: read once per
 * request, so every field of one request answers from the same snapshot of an endpoint. Only an
 * endpoint's first read, or one of a snapshot past INVENTORY_MAX_STALE_MS, waits for the vendor.
 */
export function inventoryOf(ctx: Context, endpoint: CatalogEndpoint): Promise<InventoryView> {
  return requestOnce(ctx, `inventory:${endpoint.name}`, async () => {
    const view = await ctx.inventory.read(endpoint, sourceOf(endpoint));
    noteSnapshotRead(ctx, view.snapshot.observedAt);
    return view;
  });
}

/**
 * Request-scoped access to each endpoint's sorted lists. Every by-id lookup (node, nodes,
 * _entities, Installation.plugin, Installation.host) uses their index by native id.
 */
export const catalog = {
  plugins: async (ctx: Context, endpoint: CatalogEndpoint): Promise<SortedRows<Plugin>> =>
    (await inventoryOf(ctx, endpoint)).snapshot.plugins,
  hosts: async (ctx: Context, endpoint: CatalogEndpoint): Promise<SortedRows<Host>> =>
    (await inventoryOf(ctx, endpoint)).snapshot.hosts,
  installations: async (
    ctx: Context,
    endpoint: CatalogEndpoint,
  ): Promise<SortedRows<Installation>> => (await inventoryOf(ctx, endpoint)).snapshot.installations,
};

/** The configured endpoint of that name, as a catalog endpoint; undefined for any other name. */
export function catalogEndpoint(ctx: Context, name: string): CatalogEndpoint | undefined {
  const endpoint = visibleEndpoint(ctx, name);
  if (!endpoint || !isCatalogBackend(endpoint.backend)) return undefined;
  return { name, backend: endpoint.backend, source: endpoint.client as Catalog };
}

/**
 * The configured endpoint of that name if the caller may see it (SPEC §14, auth/policy.ts):
 * every read and plan finds endpoints through here or `endpointsAsked`, so an invisible one is
 * answered exactly as a name nothing is configured under.
 */
export function visibleEndpoint(ctx: Context, name: string): Endpoint | undefined {
  const endpoint = ctx.endpoints.named(name);
  return endpoint && visible(ctx, name) ? endpoint : undefined;
}

/**
 * The endpoints a list query covers: the one named by `endpoint` (an error coded BAD_USER_INPUT
 * on the field when no endpoint has that name or it is not of `backend`), every endpoint of the
 * backend asked for (even when it has none, so the caller hears BACKEND_NOT_CONFIGURED), or
 * every configured one.
 */
export function endpointsAsked(
  ctx: Context,
  backend: BackendName | null | undefined,
  endpoint?: string | null,
): CatalogEndpoint[] {
  if (endpoint !== undefined && endpoint !== null) {
    // An endpoint invisible to the caller (SPEC §14) is answered as one of no such name.
    const named = visibleEndpoint(ctx, endpoint);
    if (!named || (backend && named.backend !== backend)) {
      const what = backend ? ` of backend ${backend.toUpperCase()}` : '';
      throw createGraphQLError(`endpoint: no endpoint${what} of that name is configured`, {
        extensions: { code: 'BAD_USER_INPUT', argument: 'endpoint' },
      });
    }
    const asked = catalogEndpoint(ctx, endpoint);
    return asked ? [asked] : [];
  }
  const asked = ctx.endpoints.all
    .filter((e) => (backend ? e.backend === backend : true) && visible(ctx, e.name))
    .map((e) => catalogEndpoint(ctx, e.name))
    .filter((e): e is CatalogEndpoint => e !== undefined);
  if (backend && asked.length === 0 && isCatalogBackend(backend))
    return [{ name: backend, backend }];
  return asked;
}

/**
 * The `installations` query's arguments: the endpoints to ask and, given a plugin (global id or
 * `endpoint:nativeId`), the plugin whose installations to page.
 */
export function installationsQuery(
  ctx: Context,
  args: { backend?: BackendName | null; endpoint?: string | null; pluginId?: string | null },
): { endpoints: CatalogEndpoint[]; pluginNativeId?: string } {
  const plugin = args.pluginId
    ? (fromGlobalId(args.pluginId, 'Plugin') ?? args.pluginId)
    : undefined;
  const colon = plugin?.indexOf(':') ?? -1;
  const pluginEndpoint = plugin && colon > 0 ? plugin.slice(0, colon) : undefined;
  const pluginNativeId = plugin && colon > 0 ? plugin.slice(colon + 1) : plugin;
  let endpoints = endpointsAsked(ctx, args.backend, args.endpoint);
  if (pluginEndpoint) endpoints = endpoints.filter((e) => e.name === pluginEndpoint);
  return pluginNativeId === undefined ? { endpoints } : { endpoints, pluginNativeId };
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
  list: (endpoint: CatalogEndpoint) => Promise<SortedRows<T>>,
  missing: (id: string) => Error,
): Promise<(T | Error)[]> {
  const indexes = new Map<string, Promise<SortedRows<T> | Error>>();
  for (const id of ids) {
    const name = splitObjectId(id)?.endpoint;
    const endpoint = name === undefined ? undefined : idEndpoint(ctx, name);
    if (!endpoint || indexes.has(endpoint.name)) continue;
    indexes.set(
      endpoint.name,
      list(endpoint).then(
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
function idEndpoint(ctx: Context, name: string): CatalogEndpoint | undefined {
  const endpoint = catalogEndpoint(ctx, name);
  if (endpoint || !isCatalogBackend(name) || visibleEndpoint(ctx, name)) return endpoint;
  return { name, backend: name };
}

export { compareByBackendThenId, type Keyed } from '../inventory/order.ts';
