import { resolveArrayConnection } from '@pothos/plugin-relay';
import { NotFoundError, ValidationError } from '../domain/errors.ts';
import {
  changeRollout,
  rolloutId,
  rolloutsByIds,
  seenRollout,
  seenRollouts,
  startRollout,
  watchRollout,
} from '../resolvers/rollouts.ts';
import {
  countUnits,
  ROLLOUT_STATUSES,
  ROLLOUT_UNIT_STATUSES,
  type Rollout,
  type RolloutUnit,
} from '../rollouts/types.ts';
import { ActorRef } from './audit.ts';
import { builder } from './builder.ts';
import { loadEntity, loadManyForRelay, nodeLoader } from './node-loader.ts';
import { relayPage } from './page-info.ts';
import { PAGE_SIZE } from './page-size.ts';
import { StartRolloutInputRef } from './rollout-input.ts';
import { loadTask, TaskErrorRef, TaskOperationEnum, TaskRef } from './task.ts';
import { resolveTarget } from './task-target.ts';

/** Rollouts (SPEC §13): one change across a fleet, at a controlled pace. */

export const RolloutStatusEnum = builder.enumType('RolloutStatus', { values: ROLLOUT_STATUSES });
export const RolloutUnitStatusEnum = builder.enumType('RolloutUnitStatus', {
  values: ROLLOUT_UNIT_STATUSES,
});

const RolloutCountsRef = builder
  .objectRef<ReturnType<typeof countUnits>>('RolloutCounts')
  .implement({
    description: 'Units per state',
    fields: (t) => ({
      total: t.exposeInt('total'),
      pending: t.exposeInt('pending'),
      running: t.exposeInt('running'),
      succeeded: t.exposeInt('succeeded'),
      failed: t.exposeInt('failed'),
      cancelled: t.exposeInt('cancelled'),
    }),
  });

const RolloutUnitRef = builder.objectRef<RolloutUnit>('RolloutUnit').implement({
  description:
    'One vendor mutation on one endpoint (HSS: up to hostsPerUnit hosts), run as an ordinary task',
  fields: (t) => ({
    index: t.exposeInt('index', { description: 'Its place in the plan, from 0' }),
    endpoint: t.exposeString('endpoint'),
    targets: t.field({
      type: [builder.nodeInterfaceRef()],
      description:
        'What it acts on: its hosts (HSS), else the plugin or update (gone ones left out)',
      resolve: async (unit, _args, ctx) =>
        (await Promise.all(unit.targets.map((target) => resolveTarget(target, ctx)))).filter(
          (found): found is object => found !== null,
        ),
    }),
    status: t.field({ type: RolloutUnitStatusEnum, resolve: (unit) => unit.status }),
    task: t.field({
      type: TaskRef,
      nullable: true,
      description: 'Its task, once launched (null before, or once expired)',
      resolve: (unit, _args, ctx) =>
        unit.taskId === undefined
          ? null
          : loadTask(ctx)
              .load(unit.taskId)
              .catch(() => null),
    }),
    error: t.field({
      type: TaskErrorRef,
      nullable: true,
      description: "Why it failed: its task's error, or CONFLICT when its target was busy",
      resolve: (unit) => unit.error,
    }),
  }),
});

const loadRollout = nodeLoader<Rollout>('Rollout', rolloutsByIds);

export const RolloutRef = builder.node(builder.objectRef<Rollout>('Rollout'), {
  description:
    'One change across a fleet: units run at a controlled pace, halting when too many fail',
  id: { resolve: (rollout) => rollout.id },
  loadMany: loadManyForRelay(loadRollout),
  fields: (t) => ({
    action: t.field({ type: TaskOperationEnum, resolve: (r) => r.operation }),
    status: t.field({ type: RolloutStatusEnum, resolve: (r) => r.status }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true }),
    completedAt: t.expose('completedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When its last running unit ended (HALTED and CANCELLED rollouts included)',
    }),
    startedBy: t.field({ type: ActorRef, nullable: true, resolve: (r) => r.startedBy }),
    maxConcurrency: t.exposeInt('maxConcurrency', {
      description: 'Units running at once at most, as resolved against the unit count',
    }),
    maxErrors: t.exposeInt('maxErrors', {
      description: 'Failed units tolerated; one more halts the rollout',
    }),
    canary: t.exposeInt('canary', { description: 'The first units, run first and alone' }),
    counts: t.field({ type: RolloutCountsRef, resolve: (r) => countUnits(r.units) }),
    haltedBecause: t.exposeString('haltedBecause', { nullable: true }),
    units: t.connection(
      {
        type: RolloutUnitRef,
        args: { status: t.arg({ type: [RolloutUnitStatusEnum] }) },
        resolve: (r, args) => {
          const statuses = args.status ? new Set(args.status) : undefined;
          const units = statuses ? r.units.filter((u) => statuses.has(u.status)) : r.units;
          const options = { args, defaultSize: PAGE_SIZE.default, maxSize: PAGE_SIZE.max };
          return relayPage(resolveArrayConnection(options, [...units]));
        },
      },
      { name: 'RolloutUnitConnection' },
      { name: 'RolloutUnitEdge' },
    ),
  }),
});

builder.asEntity(RolloutRef, {
  key: builder.selection<{ id: string }>('id'),
  resolveReference: (ref, ctx) => loadEntity(ref.id, 'Rollout', (id) => loadRollout(ctx).load(id)),
});

builder.objectField(TaskRef, 'rollout', (t) =>
  t.field({
    type: RolloutRef,
    nullable: true,
    description: 'The rollout this task is a unit of',
    resolve: (task, _args, ctx) =>
      task.rollout === undefined
        ? null
        : loadRollout(ctx)
            .load(task.rollout)
            .catch(() => null),
  }),
);

builder.queryField('rollout', (t) =>
  t.field({
    type: RolloutRef,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, ctx) => seenRollout(ctx, rolloutId(id)).then((r) => r ?? null),
  }),
);

builder.queryField('rollouts', (t) =>
  t.connection(
    {
      type: RolloutRef,
      description: 'Rollouts, newest first',
      args: { status: t.arg({ type: [RolloutStatusEnum] }) },
      resolve: async (_root, args, ctx) => {
        const headers = await seenRollouts(ctx, args.status ?? undefined);
        const options = { args, defaultSize: PAGE_SIZE.default, maxSize: PAGE_SIZE.max };
        const page = resolveArrayConnection(options, headers);
        // Units are read for the page's rollouts only.
        const edges = await Promise.all(
          page.edges.map(async (edge) => ({
            ...edge,
            node: { ...edge.node, units: await ctx.rollouts.units(edge.node.id) },
          })),
        );
        return relayPage({ ...page, edges });
      },
    },
    { name: 'RolloutConnection' },
    { name: 'RolloutEdge' },
  ),
);

const RolloutPayloadFields = {
  fields: (
    t: PothosSchemaTypes.ObjectFieldBuilder<typeof builder.$inferSchemaTypes, { rollout: Rollout }>,
  ) => ({
    rollout: t.field({ type: RolloutRef, resolve: (p: { rollout: Rollout }) => p.rollout }),
  }),
};

builder.mutationField('startRollout', (t) =>
  t.field({
    type: builder
      .objectRef<{ rollout: Rollout }>('StartRolloutPayload')
      .implement(RolloutPayloadFields),
    description:
      'One change across many endpoints and hosts, at a controlled pace (maxConcurrency, maxErrors, canary); dryRun returns the plan (PLANNED) and sends nothing',
    args: { input: t.arg({ type: StartRolloutInputRef, required: true }) },
    errors: { types: [ValidationError, NotFoundError] },
    resolve: (_root, { input }, ctx) => startRollout(ctx, input),
  }),
);

for (const [field, what] of [
  ['pauseRollout', 'Pause: no unit starts until resumeRollout; running units go on. Idempotent'],
  ['resumeRollout', 'Resume a PAUSED rollout (after its canary: the rest starts). Idempotent'],
  [
    'cancelRollout',
    'Cancel: no unit starts again and pending units are CANCELLED; vendor operations already sent run to their end. Idempotent',
  ],
] as const) {
  const name = `${field.charAt(0).toUpperCase()}${field.slice(1)}`;
  const input = builder.inputType(`${name}Input`, {
    fields: (t) => ({ id: t.id({ required: true }) }),
  });
  builder.mutationField(field, (t) =>
    t.field({
      type: builder
        .objectRef<{ rollout: Rollout }>(`${name}Payload`)
        .implement(RolloutPayloadFields),
      description: what,
      args: { input: t.arg({ type: input, required: true }) },
      errors: { types: [ValidationError, NotFoundError] },
      resolve: (_root, args, ctx) => changeRollout(ctx, field, args.input),
    }),
  );
}

builder.subscriptionField('rolloutProgress', (t) =>
  t.field({
    type: RolloutRef,
    description:
      "A rollout's current state at once, then every change; completes once it ended (its units all ended)",
    args: { id: t.arg.id({ required: true }) },
    subscribe: (_root, { id }, ctx) => watchRollout(ctx, id),
    resolve: (rollout: Rollout) => rollout,
  }),
);
