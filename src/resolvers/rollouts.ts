import { createGraphQLError } from 'graphql-yoga';
import { ANONYMOUS_OPERATOR, callerOf } from '../auth/auth.ts';
import { callerScope } from '../auth/policy.ts';
import type { Role } from '../config/index.ts';
import { NotFoundError } from '../domain/errors.ts';
import type { Rollout, RolloutHeader } from '../rollouts/types.ts';
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

/**
 * The caller's role on a rollout (SPEC §14): the lowest of its roles on the rollout's endpoints,
 * undefined when one of them is invisible to it (the rollout is then answered as an id nothing
 * has: its units would name that endpoint). Without a policy, no endpoint is read.
 */
async function roleOnRollout(ctx: Context, header: RolloutHeader): Promise<Role | undefined> {
  const scope = callerScope(ctx);
  const endpoints =
    header.endpoints ??
    (ctx.policy === undefined ? [] : (await ctx.rollouts.units(header.id)).map((u) => u.endpoint));
  const roles = endpoints.map((e) => scope.roleOn(e));
  if (roles.includes(undefined)) return undefined;
  if (roles.includes('viewer')) return 'viewer';
  return roles.length > 0 ? 'operator' : scope.roleOn(header.backend);
}

/** Whether the caller sees the rollout: every endpoint it covers. */
export async function seesRollout(ctx: Context, header: RolloutHeader): Promise<boolean> {
  return (await roleOnRollout(ctx, header)) !== undefined;
}

/** The rollout of that id if the caller sees it; undefined as for an id nothing has. */
export async function seenRollout(ctx: Context, id: string): Promise<Rollout | undefined> {
  const rollout = await ctx.rollouts.get(id);
  return rollout && (await seesRollout(ctx, rollout)) ? rollout : undefined;
}

/** The rollout headers the caller sees, newest first, in any of `statuses`. */
export async function seenRollouts(
  ctx: Context,
  statuses: Parameters<Context['rollouts']['list']>[0],
): Promise<RolloutHeader[]> {
  const headers = await ctx.rollouts.list(statuses);
  const seen = await Promise.all(headers.map((h) => seesRollout(ctx, h)));
  return headers.filter((_h, i) => seen[i]);
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
    const id = rolloutId(input.id);
    const header = await ctx.rollouts.get(id);
    const role = header && (await roleOnRollout(ctx, header));
    if (role === undefined) throw new NotFoundError('Rollout', input.id);
    if (role !== 'operator')
      throw createGraphQLError(
        `Changing rollout ${input.id} needs an operator grant on each of its endpoints`,
        {
          extensions: { code: 'FORBIDDEN' },
        },
      );
    const rollout = await CHANGES[field](ctx, id);
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
    ids.map(async (id) => (await seenRollout(ctx, id)) ?? new NotFoundError('Rollout', id)),
  );
}

/** `rolloutProgress`: the rollout now, then every change; NOT_FOUND for an unknown id. */
export async function watchRollout(ctx: Context, id: string) {
  const native = rolloutId(id);
  const changes = (await seenRollout(ctx, native)) && (await ctx.rollouts.watch(native));
  // A DomainError thrown while subscribing would be masked as INTERNAL_SERVER_ERROR: coded here,
  // as watchTask does.
  if (!changes)
    throw createGraphQLError(`Rollout ${id} not found`, { extensions: { code: 'NOT_FOUND' } });
  return changes;
}
