import { endpointOf, PLUGIN_STATUSES, type Plugin } from '../domain/model.ts';
import { catalog } from '../resolvers/catalog.ts';
import { failuresField } from './backend-failure.ts';
import { builder } from './builder.ts';
import {
  BACKEND_ARG_DESCRIPTION,
  catalogConnection,
  ENDPOINT_ARG_DESCRIPTION,
  ENDPOINT_FIELD_DESCRIPTION,
} from './connection.ts';
import { BackendEnum } from './enums.ts';
import { catalogLoader, loadEntity, loadManyForRelay } from './node-loader.ts';
import { observedAtField } from './observed-at.ts';

export const PluginStatusEnum = builder.enumType('PluginStatus', {
  description:
    'Status aggregated over every place the plugin lives; vendorStatus keeps the vendor word',
  values: PLUGIN_STATUSES,
});

/** The request's Plugin loader: lookups by id cost one list per endpoint per request. */
export const loadPlugin = catalogLoader<Plugin>('Plugin', catalog.plugins);

/** SDM plug-in, ZStack plugin driver, HSS plugin or KorAP plugin client; id `endpoint:nativeId`. */
export const PluginRef = builder.node(builder.objectRef<Plugin>('Plugin'), {
  description: 'A plugin, driver or plugin client on one endpoint',
  id: { resolve: (p: Plugin) => `${endpointOf(p)}:${p.nativeId}` },
  loadMany: loadManyForRelay(loadPlugin),
  fields: (t) => ({
    backend: t.field({ type: BackendEnum, resolve: (p) => p.backend }),
    endpoint: t.string({ description: ENDPOINT_FIELD_DESCRIPTION, resolve: endpointOf }),
    nativeId: t.exposeString('nativeId', {
      description: 'SDM "ID7", ZStack uuid, HSS code, KorAP client_id',
    }),
    name: t.exposeString('name'),
    description: t.exposeString('description', { nullable: true }),
    version: t.exposeString('version', { nullable: true }),
    vendor: t.exposeString('vendor', { nullable: true }),
    status: t.field({ type: PluginStatusEnum, resolve: (p) => p.status }),
    observedAt: observedAtField(t),
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

builder.queryField('plugins', (t) =>
  t.connection(
    {
      type: PluginRef,
      description:
        'Plugins of every configured endpoint (or those the arguments pick), by backend, endpoint, then native id',
      args: {
        backend: t.arg({ type: BackendEnum, description: BACKEND_ARG_DESCRIPTION }),
        endpoint: t.arg.string({ description: ENDPOINT_ARG_DESCRIPTION }),
      },
      resolve: (_root, args, ctx, info) => catalogConnection(ctx, info, args, (s) => s.plugins),
    },
    { name: 'PluginConnection', fields: (t) => ({ failures: failuresField(t) }) },
    { name: 'PluginEdge' },
  ),
);
