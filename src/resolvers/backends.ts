import { BackendStatusRef } from '../schema/backend-status.ts';
import { builder } from '../schema/builder.ts';

builder.queryField('backends', (t) =>
  t.field({
    type: [BackendStatusRef],
    description: 'Every backend: configured or not, and how its last check went',
    resolve: (_root, _args, ctx) => ctx.health.all(),
  }),
);
