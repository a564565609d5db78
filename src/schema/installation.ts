import { endpointOf, INSTALLATION_STATUSES, type Installation } from '../domain/model.ts';
import type { Snapshot } from '../inventory/snapshot.ts';
import type { SortedRows } from '../inventory/sorted-rows.ts';
import { catalog, catalogEndpoint, installationsQuery, inventoryOf } from '../resolvers/catalog.ts';
import type { Context } from '../resolvers/context.ts';
import { sharedFailuresField } from './backend-failure.ts';
import { builder } from './builder.ts';
import {
  BACKEND_ARG_DESCRIPTION,
  ENDPOINT_ARG_DESCRIPTION,
  ENDPOINT_FIELD_DESCRIPTION,
  rowsConnection,
  snapshotConnection,
} from './connection.ts';
import { BackendEnum } from './enums.ts';
import { HostRef, loadHost } from './host.ts';
import { catalogLoader, loadEntity, loadManyForRelay } from './node-loader.ts';
import { observedAtField } from './observed-at.ts';
import { loadPlugin, PluginRef } from './plugin.ts';

export const InstallationStatusEnum = builder.enumType('InstallationStatus', {
  values: INSTALLATION_STATUSES,
});

/** The request's Installation loader: lookups by id cost one list per endpoint per request. */
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
    // Through the request's plugin loader: N installations cost one plugin list per endpoint.
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
    observedAt: observedAtField(t),
  }),
});

builder.asEntity(InstallationRef, {
  key: builder.selection<{ id: string }>('id'),
  resolveReference: (ref, ctx) =>
    loadEntity(ref.id, 'Installation', (id) => loadInstallation(ctx).load(id)),
});

/** One shape for every installation list: the query's and Plugin's / Host's (`failures` [] there). */
const InstallationConnection = builder.connectionObject(
  {
    type: InstallationRef,
    name: 'InstallationConnection',
    fields: (t) => ({ failures: sharedFailuresField(t) }),
  },
  { name: 'InstallationEdge' },
);

/**
 * A plugin's or host's installations, paged from its endpoint's snapshot, where they are kept
 * grouped and sorted: `plugins { installations }` costs no vendor call and O(page) per plugin.
 * When the endpoint's snapshot cannot be read only this field errors; the parent still
 * resolves (SPEC §5).
 */
async function installationsOf(
  ctx: Context,
  endpoint: string,
  args: Parameters<typeof rowsConnection>[0],
  rowsOf: (snapshot: Snapshot) => SortedRows<Installation>,
) {
  const configured = catalogEndpoint(ctx, endpoint);
  const rows = configured ? [rowsOf((await inventoryOf(ctx, configured)).snapshot)] : [];
  return { ...(await rowsConnection(args, rows)), failures: [] };
}

builder.objectField(PluginRef, 'installations', (t) =>
  t.connection(
    {
      type: InstallationRef,
      nullable: true,
      description:
        'Where the plugin is installed or running, by native id; null with an error when its endpoint fails',
      resolve: (p, args, ctx) =>
        installationsOf(ctx, endpointOf(p), args, (s) => s.installationsOfPlugin(p.nativeId)),
    },
    InstallationConnection,
  ),
);

builder.objectField(HostRef, 'installations', (t) =>
  t.connection(
    {
      type: InstallationRef,
      nullable: true,
      description: 'Plugins on this host, by native id; null with an error when its endpoint fails',
      resolve: (h, args, ctx) =>
        installationsOf(ctx, endpointOf(h), args, (s) => s.installationsOfHost(h.nativeId)),
    },
    InstallationConnection,
  ),
);

builder.queryField('installations', (t) =>
  t.connection(
    {
      type: InstallationRef,
      description: 'Installations, optionally of one plugin (global id or `endpoint:nativeId`)',
      args: {
        backend: t.arg({ type: BackendEnum, description: BACKEND_ARG_DESCRIPTION }),
        endpoint: t.arg.string({ description: ENDPOINT_ARG_DESCRIPTION }),
        pluginId: t.arg.id({
          description: 'Only installations of this plugin (global id or `endpoint:nativeId`)',
        }),
      },
      resolve: (_root, args, ctx, info) => {
        const { endpoints, pluginNativeId } = installationsQuery(ctx, args);
        return snapshotConnection(ctx, info, args, endpoints, (s) =>
          pluginNativeId === undefined ? s.installations : s.installationsOfPlugin(pluginNativeId),
        );
      },
    },
    InstallationConnection,
  ),
);
