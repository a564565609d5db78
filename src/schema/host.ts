import { endpointOf, HOST_STATUSES, type Host } from '../domain/model.ts';
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

export const HostStatusEnum = builder.enumType('HostStatus', { values: HOST_STATUSES });

/** The request's Host loader: lookups by id cost one list per endpoint per request. */
export const loadHost = catalogLoader<Host>('Host', catalog.hosts);

/** An SDM cluster member or an HSS server; id `endpoint:nativeId`. */
export const HostRef = builder.node(builder.objectRef<Host>('Host'), {
  description: 'A machine plugins are installed on: SDM cluster member, HSS server',
  id: { resolve: (h: Host) => `${endpointOf(h)}:${h.nativeId}` },
  loadMany: loadManyForRelay(loadHost),
  fields: (t) => ({
    backend: t.field({ type: BackendEnum, resolve: (h) => h.backend }),
    endpoint: t.string({ description: ENDPOINT_FIELD_DESCRIPTION, resolve: endpointOf }),
    nativeId: t.exposeString('nativeId', { description: 'SDM member IP address, HSS host id' }),
    name: t.exposeString('name'),
    address: t.exposeString('address', { nullable: true }),
    status: t.field({ type: HostStatusEnum, resolve: (h) => h.status }),
    observedAt: observedAtField(t),
  }),
});

builder.asEntity(HostRef, {
  key: builder.selection<{ id: string }>('id'),
  resolveReference: (ref, ctx) => loadEntity(ref.id, 'Host', (id) => loadHost(ctx).load(id)),
});

builder.queryField('hosts', (t) =>
  t.connection(
    {
      type: HostRef,
      description: 'Hosts (SDM cluster members, HSS servers), by backend, endpoint, then native id',
      args: {
        backend: t.arg({ type: BackendEnum, description: BACKEND_ARG_DESCRIPTION }),
        endpoint: t.arg.string({ description: ENDPOINT_ARG_DESCRIPTION }),
      },
      resolve: (_root, args, ctx, info) => catalogConnection(ctx, info, args, (s) => s.hosts),
    },
    { name: 'HostConnection', fields: (t) => ({ failures: failuresField(t) }) },
    { name: 'HostEdge' },
  ),
);
