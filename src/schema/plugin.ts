import type { Plugin, PluginStatus } from '../domain/model.ts';
import { builder } from './builder.ts';
import { catalog, catalogLoader } from './catalog.ts';
import { BackendEnum } from './enums.ts';
import { parseGlobalId } from './ids.ts';
import { isUnknownId, loadManyForRelay } from './node-loader.ts';

const PLUGIN_STATUSES = [
  'AVAILABLE',
  'INSTALLED',
  'PARTIAL',
  'IN_PROGRESS',
  'FAILED',
  'DELETED',
  'UNKNOWN',
] as const satisfies readonly PluginStatus[];

export const PluginStatusEnum = builder.enumType('PluginStatus', {
  description:
    'Status aggregated over every place the plugin lives; vendorStatus keeps the vendor word',
  values: PLUGIN_STATUSES,
});

/** The request's Plugin loader: lookups by id cost one list per backend per request. */
export const loadPlugin = catalogLoader<Plugin>('Plugin', catalog.plugins);

/** SDM plug-in, ZStack plugin driver, HSS plugin or KorAP plugin client; id `backend:nativeId`. */
export const PluginRef = builder.node(builder.objectRef<Plugin>('Plugin'), {
  description: 'A plugin, driver or plugin client on one backend',
  id: { resolve: (p: Plugin) => `${p.backend}:${p.nativeId}` },
  loadMany: loadManyForRelay(loadPlugin),
  fields: (t) => ({
    backend: t.field({ type: BackendEnum, resolve: (p) => p.backend }),
    nativeId: t.exposeString('nativeId', {
      description: 'SDM "ID7", ZStack uuid, HSS code, KorAP client_id',
    }),
    name: t.exposeString('name'),
    description: t.exposeString('description', { nullable: true }),
    version: t.exposeString('version', { nullable: true }),
    vendor: t.exposeString('vendor', { nullable: true }),
    status: t.field({ type: PluginStatusEnum, resolve: (p) => p.status }),
    vendorStatus: t.exposeString('vendorStatus', {
      nullable: true,
      description: "The vendor's own status word",
    }),
  }),
});

builder.asEntity(PluginRef, {
  key: builder.selection<{ id: string }>('id'),
  resolveReference: (ref, ctx) => loadEntity(ref.id, 'Plugin', (id) => loadPlugin(ctx).load(id)),
});

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
