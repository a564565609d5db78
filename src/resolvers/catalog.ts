import { createGraphQLError } from 'graphql-yoga';
import { type Catalog, readCatalog } from '../backends/catalog.ts';
import { notConfigured } from '../backends/errors.ts';
import { type CatalogBackend, isCatalogBackend } from '../backends/registry.ts';
import { requestOnce } from '../backends/request-once.ts';
import type { Context } from '../context.ts';
import { BACKENDS, type BackendName } from '../domain/backend.ts';
import { endpointOf, type Host, type Installation, type Plugin } from '../domain/model.ts';
import { fromGlobalId } from './ids.ts';

/**
 * One endpoint a catalog list reads (SPEC §10). `source` is absent for a backend asked for by
 * name but not configured: reading it is that backend's BACKEND_NOT_CONFIGURED.
 */
export interface CatalogTarget {
  readonly name: string;
  readonly backend: CatalogBackend;
  readonly source?: Catalog | undefined;
}

function sourceOf(target: CatalogTarget): Catalog {
  if (!target.source) throw notConfigured(target.backend);
  return target.source;
}

/** Items of an endpoint not named after its backend carry its name; others stay as they are. */
function stamp<T extends { readonly endpoint?: string | undefined }>(
  target: CatalogTarget,
  items: T[],
): T[] {
  if (target.name === target.backend) return items;
  return items.map((item) => ({ ...item, endpoint: target.name }));
}

/**
 * Request-scoped access to each endpoint's lists: whatever number of parents ask, an endpoint's
 * plugin list, host list and installation list are each fetched at most once per request. Every
 * by-id lookup (node, nodes, _entities, Installation.plugin, Installation.host) indexes these.
 */
export const catalog = {
  plugins: (ctx: Context, target: CatalogTarget): Promise<Plugin[]> =>
    requestOnce(ctx, `plugins:${target.name}`, async () =>
      stamp(target, await readCatalog(sourceOf(target), 'plugins', ctx)),
    ),
  hosts: (ctx: Context, target: CatalogTarget): Promise<Host[]> => {
    const source = sourceOf(target);
    if (source.listInventory) return inventory(ctx, target, source).then((i) => i.hosts);
    return requestOnce(ctx, `hosts:${target.name}`, async () =>
      stamp(target, await readCatalog(source, 'hosts', ctx)),
    );
  },
  installations: (ctx: Context, target: CatalogTarget): Promise<Installation[]> => {
    const source = sourceOf(target);
    if (source.listInventory) return inventory(ctx, target, source).then((i) => i.installations);
    return requestOnce(ctx, `installations:${target.name}`, async () =>
      stamp(target, await readCatalog(source, 'installations', ctx)),
    );
  },
};

/** Hosts and installations together where the vendor serves them from the same rows. */
function inventory(ctx: Context, target: CatalogTarget, source: Catalog) {
  return requestOnce(ctx, `inventory:${target.name}`, async () => {
    const { hosts, installations } = await readCatalog(source, 'inventory', ctx);
    return { hosts: stamp(target, hosts), installations: stamp(target, installations) };
  });
}

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
 * `endpoint:nativeId`), which installations to keep.
 */
export function installationsQuery(
  ctx: Context,
  args: { backend?: BackendName | null; endpoint?: string | null; pluginId?: string | null },
): { targets: CatalogTarget[]; keep?: (i: Installation) => boolean } {
  const plugin = args.pluginId
    ? (fromGlobalId(args.pluginId, 'Plugin') ?? args.pluginId)
    : undefined;
  const colon = plugin?.indexOf(':') ?? -1;
  const pluginEndpoint = plugin && colon > 0 ? plugin.slice(0, colon) : undefined;
  const pluginNativeId = plugin && colon > 0 ? plugin.slice(colon + 1) : plugin;
  let targets = listTargets(ctx, args.backend, args.endpoint);
  if (pluginEndpoint) targets = targets.filter((t) => t.name === pluginEndpoint);
  if (pluginNativeId === undefined) return { targets };
  return { targets, keep: (i) => i.pluginNativeId === pluginNativeId };
}

/**
 * Installations of an endpoint grouped by plugin / host, once per request: `plugins
 * { installations }` costs one installation list per endpoint, never one call per plugin.
 */
export async function installationsWhere(
  ctx: Context,
  endpoint: string,
  match: (i: Installation) => boolean,
): Promise<Installation[]> {
  const target = catalogTarget(ctx, endpoint);
  if (!target) return [];
  return (await catalog.installations(ctx, target)).filter(match);
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
export async function loadByObjectIds<T extends { nativeId: string }>(
  ctx: Context,
  ids: readonly string[],
  list: (target: CatalogTarget) => Promise<T[]>,
  missing: (id: string) => Error,
): Promise<(T | Error)[]> {
  const indexes = new Map<string, Promise<Map<string, T> | Error>>();
  for (const id of ids) {
    const endpoint = splitObjectId(id)?.endpoint;
    const target = endpoint === undefined ? undefined : idTarget(ctx, endpoint);
    if (!target || indexes.has(target.name)) continue;
    indexes.set(
      target.name,
      list(target).then(
        (items) => new Map(items.map((item) => [item.nativeId, item])),
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

/** What the catalog connections order by. */
export interface Keyed {
  readonly backend: BackendName;
  readonly endpoint?: string | undefined;
  readonly nativeId: string;
}

/** Stable order across endpoints: by backend (SPEC order), then endpoint name, then native id. */
export function compareByBackendThenId(a: Keyed, b: Keyed): number {
  const ea = endpointOf(a);
  const eb = endpointOf(b);
  return (
    BACKENDS.indexOf(a.backend) - BACKENDS.indexOf(b.backend) ||
    (ea < eb ? -1 : ea > eb ? 1 : 0) ||
    (a.nativeId < b.nativeId ? -1 : a.nativeId > b.nativeId ? 1 : 0)
  );
}
