import { NotFoundError } from '../domain/errors.ts';
import type { Update } from '../domain/model.ts';
import { installUpdatePlan } from '../resolvers/plans/appliance.ts';
import { appliancesAsked, listUpdates, updatesByIds } from '../resolvers/update.ts';
import { builder } from './builder.ts';
import { ENDPOINT_FIELD_DESCRIPTION } from './connection.ts';
import { ENDPOINT_INPUT_DESCRIPTION, type InputFieldBuilder, taskMutation } from './mutation.ts';
import { loadManyForRelay, nodeLoader } from './node-loader.ts';
import { acrossEndpoints } from './partial-errors.ts';

/** The request's Update loader: lookups by id are batched into one load per request. */
export const loadUpdate = nodeLoader<Update>('Update', updatesByIds);

/** An appliance update; its object id is `<endpoint>:<version>` (`appliance:<version>`). */
export const UpdateRef = builder.node(builder.objectRef<Update>('Update'), {
  description: 'An update the appliance can install',
  id: { resolve: (u: Update) => `${u.endpoint ?? 'appliance'}:${u.version}` },
  loadMany: loadManyForRelay(loadUpdate),
  fields: (t) => ({
    endpoint: t.string({
      description: ENDPOINT_FIELD_DESCRIPTION,
      resolve: (u) => u.endpoint ?? 'appliance',
    }),
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
      'Updates the appliances can install (runs retrieve-updates; cached briefly); null with an error when the only appliance asked fails, a partial error per failing one when several are',
    args: {
      endpoint: t.arg.string({
        description: 'Only this appliance, by endpoint name; default every appliance',
      }),
    },
    resolve: async (_root, args, ctx, info) => {
      const appliances = appliancesAsked(ctx, args.endpoint);
      // One appliance: its failure is this field's error, as before fleets.
      if (appliances.length === 1 && appliances[0]) return listUpdates(ctx, appliances[0]);
      const { values } = await acrossEndpoints(ctx, info, appliances, (a) => listUpdates(ctx, a));
      return values.flat();
    },
  }),
);

taskMutation('installUpdate', {
  example: `# Appliance: install an update on one site (appliance-dr offers
# 9.0.2.2 and 9.0.4.0); the task follows the appliance's own task.
mutation InstallUpdate {
  installUpdate(input: { endpoint: "appliance", version: "9.0.3.0" }) {
    __typename
    ... on InstallUpdatePayload { task { id status progress } }
    ... on ConflictError { code message task { id status } }
    ... on Error { code message }
  }
}`,
  backend: 'appliance',
  description:
    'Install an appliance update; the returned task follows the appliance task to its end',
  input: (t: InputFieldBuilder) => ({
    version: t.string({ required: true, description: 'Version of an available update' }),
    endpoint: t.string({ description: ENDPOINT_INPUT_DESCRIPTION }),
  }),
  errors: [NotFoundError],
  plan: installUpdatePlan,
});
