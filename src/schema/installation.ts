import { endpointOf, type Installation, type InstallationStatus } from '../domain/model.ts';
import { catalog, installationsQuery, installationsWhere } from '../resolvers/catalog.ts';
import { failuresField } from './backend-failure.ts';
import { builder } from './builder.ts';
import {
  BACKEND_ARG_DESCRIPTION,
  ENDPOINT_ARG_DESCRIPTION,
  ENDPOINT_FIELD_DESCRIPTION,
  gatheredConnection,
} from './connection.ts';
import { BackendEnum } from './enums.ts';
import { HostRef, loadHost } from './host.ts';
import { catalogLoader, loadEntity, loadManyForRelay } from './node-loader.ts';
import { acrossBackends } from './partial-errors.ts';
import { loadPlugin, PluginRef } from './plugin.ts';

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

/** A plugin placed on a host (SDM, HSS) or for a super client (KorAP); id `endpoint:nativeId`. */
export const InstallationRef = builder.node(builder.objectRef<Installation>('Installation'), {
  description: 'A plugin placed on a host or for a super client',
  id: { resolve: (i: Installation) => `${endpointOf(i)}:${i.nativeId}` },
  loadMany: loadManyForRelay(loadInstallation),
  fields: (t) => ({
    backend: t.field({ type: BackendEnum, resolve: (i) => i.backend }),
    endpoint: t.string({ description: ENDPOINT_FIELD_DESCRIPTION, resolve: endpointOf }),
    nativeId: t.exposeString('nativeId'),
    // Through the request's plugin loader: N installations cost one plugin list per backend.
    plugin: t.field({
      type: PluginRef,
      resolve: (i, _args, ctx) => loadPlugin(ctx).load(`${endpointOf(i)}:${i.pluginNativeId}`),
    }),
    host: t.field({
      type: HostRef,
      nullable: true,
      resolve: (i, _args, ctx) =>
        i.hostNativeId === undefined
          ? null
          : loadHost(ctx).load(`${endpointOf(i)}:${i.hostNativeId}`),
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

// Nullable: when the backend's installation list fails, only this field errors; the plugin
// itself (from another call) still resolves (SPEC §5).
builder.objectField(PluginRef, 'installations', (t) =>
  t.field({
    type: [InstallationRef],
    nullable: true,
    description:
      'Where the plugin is installed or running; null with an error when the backend fails',
    resolve: (p, _args, ctx) =>
      installationsWhere(ctx, endpointOf(p), (i) => i.pluginNativeId === p.nativeId),
  }),
);

builder.objectField(HostRef, 'installations', (t) =>
  t.field({
    type: [InstallationRef],
    nullable: true,
    description: 'Plugins on this host; null with an error when the backend fails',
    resolve: (h, _args, ctx) =>
      installationsWhere(ctx, endpointOf(h), (i) => i.hostNativeId === h.nativeId),
  }),
);

builder.queryField('installations', (t) =>
  t.connection(
    {
      type: InstallationRef,
      description: 'Installations, optionally of one plugin (global id or `backend:nativeId`)',
      args: {
        backend: t.arg({ type: BackendEnum, description: BACKEND_ARG_DESCRIPTION }),
        endpoint: t.arg.string({ description: ENDPOINT_ARG_DESCRIPTION }),
        pluginId: t.arg.id({
          description: 'Only installations of this plugin (global id or `backend:nativeId`)',
        }),
      },
      resolve: async (_root, args, ctx, info) => {
        const { targets, keep } = installationsQuery(ctx, args);
        const all = await acrossBackends(ctx, info, targets, (b) => catalog.installations(ctx, b));
        return gatheredConnection(args, keep ? { ...all, items: all.items.filter(keep) } : all);
      },
    },
    { name: 'InstallationConnection', fields: (t) => ({ failures: failuresField(t) }) },
    { name: 'InstallationEdge' },
  ),
);
