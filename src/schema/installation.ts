import { isCatalogBackend } from '../backends/registry.ts';
import type { Installation, InstallationStatus } from '../domain/model.ts';
import { builder } from './builder.ts';
import { catalog, catalogLoader } from './catalog.ts';
import { BackendEnum } from './enums.ts';
import { HostRef, loadHost } from './host.ts';
import { loadManyForRelay } from './node-loader.ts';
import { loadEntity, loadPlugin, PluginRef } from './plugin.ts';

const INSTALLATION_STATUSES = [
  'NOT_INSTALLED',
  'INSTALLING',
  'INSTALLED',
  'STARTING',
  'RUNNING',
  'STOPPING',
  'STOPPED',
  'UPDATING',
  'UNINSTALLING',
  'FAILED',
  'OFFLINE',
  'UNKNOWN',
] as const satisfies readonly InstallationStatus[];
export const InstallationStatusEnum = builder.enumType('InstallationStatus', {
  values: INSTALLATION_STATUSES,
});

/** The request's Installation loader: lookups by id cost one list per backend per request. */
export const loadInstallation = catalogLoader<Installation>('Installation', catalog.installations);

/** A plugin placed on a host (SDM, HSS) or for a super client (KorAP); id `backend:nativeId`. */
export const InstallationRef = builder.node(builder.objectRef<Installation>('Installation'), {
  description: 'A plugin placed on a host or for a super client',
  id: { resolve: (i: Installation) => `${i.backend}:${i.nativeId}` },
  loadMany: loadManyForRelay(loadInstallation),
  fields: (t) => ({
    backend: t.field({ type: BackendEnum, resolve: (i) => i.backend }),
    nativeId: t.exposeString('nativeId'),
    // Through the request's plugin loader: N installations cost one plugin list per backend.
    plugin: t.field({
      type: PluginRef,
      resolve: (i, _args, ctx) => loadPlugin(ctx).load(`${i.backend}:${i.pluginNativeId}`),
    }),
    host: t.field({
      type: HostRef,
      nullable: true,
      resolve: (i, _args, ctx) =>
        i.hostNativeId === undefined ? null : loadHost(ctx).load(`${i.backend}:${i.hostNativeId}`),
    }),
    superClientId: t.exposeString('superClientId', {
      nullable: true,
      description: 'KorAP super client',
    }),
    status: t.field({ type: InstallationStatusEnum, resolve: (i) => i.status }),
    vendorStatus: t.exposeString('vendorStatus', { nullable: true }),
    progress: t.exposeInt('progress', { nullable: true }),
    installedAt: t.expose('installedAt', { type: 'DateTime', nullable: true }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', nullable: true }),
  }),
});

builder.asEntity(InstallationRef, {
  key: builder.selection<{ id: string }>('id'),
  resolveReference: (ref, ctx) =>
    loadEntity(ref.id, 'Installation', (id) => loadInstallation(ctx).load(id)),
});

/**
 * Installations of a backend grouped by plugin / host, once per request: `plugins { installations }`
 * costs one installation list per backend, never one call per plugin.
 */
async function installationsWhere(
  ctx: Parameters<typeof catalog.installations>[0],
  backend: string,
  match: (i: Installation) => boolean,
): Promise<Installation[]> {
  if (!isCatalogBackend(backend)) return [];
  return (await catalog.installations(ctx, backend)).filter(match);
}

// Nullable: when the backend's installation list fails, only this field errors; the plugin
// itself (from another call) still resolves (SPEC §5).
builder.objectField(PluginRef, 'installations', (t) =>
  t.field({
    type: [InstallationRef],
    nullable: true,
    description:
      'Where the plugin is installed or running; null with an error when the backend fails',
    resolve: (p, _args, ctx) =>
      installationsWhere(ctx, p.backend, (i) => i.pluginNativeId === p.nativeId),
  }),
);

builder.objectField(HostRef, 'installations', (t) =>
  t.field({
    type: [InstallationRef],
    nullable: true,
    description: 'Plugins on this host; null with an error when the backend fails',
    resolve: (h, _args, ctx) =>
      installationsWhere(ctx, h.backend, (i) => i.hostNativeId === h.nativeId),
  }),
);
