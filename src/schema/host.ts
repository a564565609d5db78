import { NotFoundError } from '../domain/errors.ts';
import type { Host, HostStatus } from '../domain/model.ts';
import { builder } from './builder.ts';
import { catalog, loadByObjectIds } from './catalog.ts';
import { BackendEnum } from './enums.ts';
import { loadEntity } from './plugin.ts';

const HOST_STATUSES = ['ONLINE', 'OFFLINE', 'UNKNOWN'] as const satisfies readonly HostStatus[];
export const HostStatusEnum = builder.enumType('HostStatus', { values: HOST_STATUSES });

/** An SDM cluster member or an HSS server; id `backend:nativeId`. */
export const HostRef = builder.loadableNode('Host', {
  description: 'A machine plugins are installed on: SDM cluster member, HSS server',
  id: { resolve: (h: Host) => `${h.backend}:${h.nativeId}` },
  load: (ids: string[], ctx) =>
    loadByObjectIds(
      ids,
      (b) => catalog.hosts(ctx, b),
      (id) => new NotFoundError('Host', id),
    ),
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
  resolveReference: (ref, ctx) =>
    loadEntity(ref.id, 'Host', (id) => HostRef.getDataloader(ctx).load(id)),
});
