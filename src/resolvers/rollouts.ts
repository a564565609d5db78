import { ANONYMOUS_OPERATOR, callerOf } from '../auth/auth.ts';
import { NotFoundError } from '../domain/errors.ts';
import type { Rollout } from '../rollouts/types.ts';
import type { Context } from './context.ts';
import { fromGlobalId } from './ids.ts';
import { planRollout, type StartRolloutInput } from './rollout-plan.ts';
import { outcomeOf } from './run-mutation.ts';

/**
 * Runs a rollout mutation under its audit entry, as runMutation does for a task mutation: the
 * entry first (a trail that refuses it fails the field before anything is planned or changed),
 * completed ACCEPTED with the rollout's backend, or with the refusal. No single task: the
 * units' tasks each have their own entry (rollout-unit.ts).
 */
async function audited(
  ctx: Context,
  operation: string,
  args: Record<string, unknown>,
  run: () => Promise<Rollout>,
): Promise<{ rollout: Rollout }> {
  const entry = await ctx.audit.begin({
    actor: callerOf(ctx) ?? ANONYMOUS_OPERATOR,
    operation,
    arguments: args,
  });
  try {
    const rollout = await run();
    await ctx.audit.complete(entry, { outcome: 'ACCEPTED' });
    return { rollout };
  } catch (err) {
    await ctx.audit.complete(entry, outcomeOf(err));
    throw err;
  }
}

/** `startRollout`: planned (every refusal here), stored, and started unless a dry run. */
export function startRollout(ctx: Context, input: StartRolloutInput) {
  return audited(ctx, 'startRollout', { input }, async () => {
    const { header, units } = await planRollout(ctx, input, ctx.rollouts.maxUnits);
    return ctx.rollouts.create(header, units);
  });
}

const CHANGES = {
  pauseRollout: (ctx: Context, id: string) => ctx.rollouts.pause(id),
  resumeRollout: (ctx: Context, id: string) => ctx.rollouts.resume(id),
  cancelRollout: (ctx: Context, id: string) => ctx.rollouts.cancel(id),
} as const;

/** `pauseRollout`, `resumeRollout`, `cancelRollout`: idempotent; NOT_FOUND for an unknown id. */
export function changeRollout(ctx: Context, field: keyof typeof CHANGES, input: { id: string }) {
  return audited(ctx, field, { input }, async () => {
    const rollout = await CHANGES[field](ctx, rolloutId(input.id));
    if (!rollout) throw new NotFoundError('Rollout', input.id);
    return rollout;
  });
}

export function rolloutId(id: string): string {
  return fromGlobalId(id, 'Rollout') ?? id;
}

/** Rollouts by id, for the Rollout loader. */
export function rolloutsByIds(ids: readonly string[], ctx: Context): Promise<(Rollout | Error)[]> {
  return Promise.all(
    ids.map(async (id) => (await ctx.rollouts.get(id)) ?? new NotFoundError('Rollout', id)),
  );
}

/** `rolloutProgress`: the rollout now, then every change; NOT_FOUND for an unknown id. */
export async function watchRollout(ctx: Context, id: string) {
  const changes = await ctx.rollouts.watch(rolloutId(id));
  if (!changes) throw new NotFoundError('Rollout', id);
  return changes;
}
