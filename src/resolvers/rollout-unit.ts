import type { Caller } from '../auth/auth.ts';
import type { BackendName } from '../domain/backend.ts';
import type { RolloutAction, RolloutField, RolloutHeader, RolloutUnit } from '../rollouts/types.ts';
import type { LaunchPlan } from '../tasks/plan.ts';
import type { Task } from '../tasks/types.ts';
import type { Context } from './context.ts';
import { installUpdatePlan } from './plans/appliance.ts';
import { hssPluginPlan } from './plans/hss.ts';
import { installPluginPlan, uninstallPluginPlan } from './plans/korap.ts';
import { type PerformPluginActionInput, pluginActionPlan } from './plans/sdm.ts';
import { deletePluginDriverPlan, refreshPluginDriversPlan } from './plans/zstack.ts';
import { runMutation } from './run-mutation.ts';

/** The backend each rollout action acts on. */
export const ROLLOUT_BACKENDS: Readonly<Record<RolloutField, BackendName>> = {
  installUpdate: 'appliance',
  performPluginAction: 'sdm',
  startPlugin: 'hss',
  stopPlugin: 'hss',
  refreshPluginDrivers: 'zstack',
  deletePluginDriver: 'zstack',
  installSuperClientPlugin: 'korap',
  uninstallSuperClientPlugin: 'korap',
};

/** A unit's place: its endpoint and (HSS) hosts. */
export type UnitPlace = Pick<RolloutUnit, 'endpoint' | 'hostIds'>;

/** The mutation's own input for one unit: the action's, with the unit's endpoint (and hosts). */
export function unitInput(action: RolloutAction, unit: UnitPlace): Record<string, unknown> {
  return {
    ...action.input,
    endpoint: unit.endpoint,
    ...(unit.hostIds !== undefined && { hostIds: unit.hostIds }),
  };
}

/**
 * One unit's launch plan, built by the mutation's own plan builder (resolvers/plans/) with the
 * unit's endpoint (and hosts) filled in: a rollout runs exactly what the single mutation runs.
 */
export function unitPlan(
  ctx: Context,
  action: RolloutAction,
  unit: UnitPlace,
): Promise<LaunchPlan> {
  const input = action.input;
  const text = (key: string) => input[key] ?? '';
  const endpoint = unit.endpoint;
  switch (action.field) {
    case 'installUpdate':
      return installUpdatePlan({ version: text('version'), endpoint }, ctx);
    case 'performPluginAction':
      return pluginActionPlan(
        {
          pluginId: text('pluginId'),
          action: text('action') as PerformPluginActionInput['action'],
          endpoint,
        },
        ctx,
      );
    case 'startPlugin':
    case 'stopPlugin':
      return hssPluginPlan(
        action.field,
        { pluginCode: text('pluginCode'), hostIds: unit.hostIds ?? [], endpoint },
        ctx,
      );
    case 'refreshPluginDrivers':
      return refreshPluginDriversPlan({ name: input.name ?? null, endpoint }, ctx);
    case 'deletePluginDriver':
      return deletePluginDriverPlan(
        {
          pluginId: text('pluginId'),
          deleteMode: (input.deleteMode ?? null) as 'Permissive' | 'Enforcing' | null,
          endpoint,
        },
        ctx,
      );
    case 'installSuperClientPlugin':
      return installPluginPlan({ clientId: text('clientId'), endpoint }, ctx);
    case 'uninstallSuperClientPlugin':
      return uninstallPluginPlan({ clientId: text('clientId'), endpoint }, ctx);
  }
}

/**
 * Launches a unit as the single mutation runs (resolvers/run-mutation.ts): its own audit entry
 * (the rollout's caller, the action's field and the unit's input), the plan, the task launched
 * as that caller under the id the unit was stored with, carrying the rollout's id. `base` is a
 * context without a request: a new object per unit, so that request-scoped caches (the
 * inventory snapshot read once per request) are per unit too.
 */
export async function launchUnit(
  base: Context,
  header: RolloutHeader,
  unit: RolloutUnit,
): Promise<Task> {
  const caller: Caller | undefined = header.startedBy && { ...header.startedBy };
  const ctx: Context = { ...base, caller };
  const input = unitInput(header.action, unit);
  const result = await runMutation(
    ctx,
    { operation: header.action.field, backend: header.backend },
    { input, rollout: header.id, unit: unit.index },
    () => unitPlan(ctx, header.action, unit),
    { id: unit.taskId, rollout: header.id },
  );
  return result.task;
}
