import { requireBackend } from '../backends/registry.ts';
import { NotFoundError } from '../domain/errors.ts';
import type { Update } from '../domain/model.ts';
import { builder } from './builder.ts';
import { loadManyForRelay, nodeLoader } from './node-loader.ts';

/** The request's Update loader: lookups by id are batched into one load per request. */
export const loadUpdate = nodeLoader<Update>('Update', async (ids, ctx) => {
  // One retrieve-updates answers every id of the request.
  const updates = await requireBackend(ctx.backends, 'appliance').listUpdates();
  const byVersion = new Map(updates.map((u) => [u.version, u]));
  return ids.map(
    (id) => byVersion.get(id.replace(/^appliance:/, '')) ?? new NotFoundError('Update', id),
  );
});

/** An appliance update; its object id is `appliance:<version>`. */
export const UpdateRef = builder.node(builder.objectRef<Update>('Update'), {
  description: 'An update the appliance can install',
  id: { resolve: (u: Update) => `appliance:${u.version}` },
  loadMany: loadManyForRelay(loadUpdate),
  fields: (t) => ({
    version: t.exposeString('version'),
    type: t.exposeString('type', { nullable: true, description: 'FEATURE, SECURITY or FIX' }),
    severity: t.exposeString('severity', { nullable: true }),
    releaseDate: t.expose('releaseDate', { type: 'DateTime', nullable: true }),
    rebootRequired: t.exposeBoolean('rebootRequired', { nullable: true }),
    summary: t.exposeString('summary', { nullable: true }),
  }),
});
