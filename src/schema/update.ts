import { NotFoundError } from '../domain/errors.ts';
import type { Update } from '../domain/model.ts';
import { installUpdate, listUpdates, updatesByIds } from '../resolvers/update.ts';
import { builder } from './builder.ts';
import { type InputFieldBuilder, taskMutation } from './mutation.ts';
import { loadManyForRelay, nodeLoader } from './node-loader.ts';

/** The request's Update loader: lookups by id are batched into one load per request. */
export const loadUpdate = nodeLoader<Update>('Update', updatesByIds);

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

builder.queryField('updates', (t) =>
  t.field({
    type: [UpdateRef],
    // Nullable on purpose: when the appliance fails, only this field is null (with its coded
    // error) and the rest of the response still resolves (SPEC §5).
    nullable: true,
    description:
      'Updates the appliance can install (runs retrieve-updates; cached briefly); null with an error when the appliance fails',
    resolve: (_root, _args, ctx) => listUpdates(ctx),
  }),
);

taskMutation('installUpdate', {
  description:
    'Install an appliance update; the returned task follows the appliance task to its end',
  input: (t: InputFieldBuilder) => ({
    version: t.string({ required: true, description: 'Version of an available update' }),
  }),
  errors: [NotFoundError],
  resolve: installUpdate,
});
