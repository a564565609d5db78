import { NotFoundError } from '../domain/errors.ts';
import type { Host, HostStatus } from '../domain/model.ts';
import { builder } from './builder.ts';
import { catalog, loadByObjectIds } from './catalog.ts';
import { BackendEnum } from './enums.ts';
import { loadManyForRelay, nodeLoader } from './node-loader.ts';
import { loadEntity } from './plugin.ts';

const HOST_STATUSES = ['ONLINE', 'OFFLINE', 'UNKNOWN'] as const satisfies readonly HostStatus[];
export const HostStatusEnum = builder.enumType('HostStatus', { values: HOST_STATUSES });

/** An SDM cluster member or an HSS server; id `backend:nativeId`. */
/** The request's Host loader: lookups by id are batched into one load per request. */
export const loadHost = nodeLoader<Host>('Host', (ids, ctx) =>
  loadByObjectIds(
    ids,
    (b) => catalog.hosts(ctx, b),
    (id) => new NotFoundError('Host', id),
  ),
);

export const HostRef = builder.node(builder.objectRef<Host>('Host'), {
  description: 'A machine plugins are installed on: SDM cluster member, HSS server',
  id: { resolve: (h: Host) => `${h.backend}:${h.nativeId}` },
  loadMany: loadManyForRelay(loadHost),
  fields: (t) => ({
    backend: t.field({ type: BackendEnum, resolve: (h) => h.backend }),
    nativeId: t.exposeString('nativeId', { description: 'SDM member IP address, HSS host id' }),
    name: t.exposeString('name'),
    address: t.exposeString('address', { nullable: true }),
    status: t.field({ type: HostStatusEnum, resolve: (h) => h.status }),
  }),
});

builder.asEntity(HostRef, {
  key: builder.selection<{ id: string }>('id'),
  resolveReference: (ref, ctx) => loadEntity(ref.id, 'Host', (id) => loadHost(ctx).load(id)),
});
