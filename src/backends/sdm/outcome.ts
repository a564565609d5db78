import { NotFoundError } from '../../domain/errors.ts';
import type { PollParams, SinglePoller, TaskObservation } from '../../tasks/types.ts';
import { ACTION_TARGET, isSdmAction, observeAction, type SdmAction } from './actions.ts';
import { SDM_POLL_KIND } from './poll-batch.ts';
import { isTransitional, normalizeStatus } from './statuses.ts';
import type { SdmMember, SdmPluginInfo } from './wire.ts';

/**
 * What became of a plug-in action whose answer was lost (tasks/outcome.ts), read off the
 * plug-in's members, SDM having no task resource: members on their way mean the action runs
 * (adopted: polled as any action from then on); all of them at the action's target mean it ran,
 * where the target differs from where the action starts (not for `replace`, which starts and
 * ends INSTALLED); members as they were mean no sign. A FAILED member, or a `replace` not under
 * way, cannot tell whether the action ran: the task ends OUTCOME_UNKNOWN once that has lasted
 * the grace period.
 */

export const SDM_OUTCOME_KIND = 'sdm.pluginActionOutcome';

/** Actions whose target state is never where they start: reaching it is the action's sign. */
const TARGET_IS_A_SIGN: Readonly<Record<SdmAction, boolean>> = {
  install: true,
  uninstall: true,
  recover: true,
  replace: false,
};

/** Get Plug-in Information of one plug-in (NotFoundError on 404). */
export type SdmInfoRead = (pluginId: string) => Promise<SdmPluginInfo>;

export function sdmActionOutcomePoller(info: SdmInfoRead): SinglePoller {
  return async (params) => {
    const { pluginId, action } = outcomeParams(params);
    try {
      return signOfAction(pluginId, action, (await info(pluginId)).members ?? []);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      // Gone: no action of it runs now, whatever was sent.
      return {
        status: 'ERROR',
        error: { code: 'NOT_FOUND', message: `Plug-in ${pluginId} no longer exists` },
      };
    }
  };
}

/** One look at the members of a plug-in whose action's answer was lost. */
export function signOfAction(
  pluginId: string,
  action: SdmAction,
  members: readonly SdmMember[],
): TaskObservation {
  const seen = observeAction(action, members);
  if (members.some((m) => isTransitional(m.pluginStatus))) {
    return { ...seen, adopt: { poll: { kind: SDM_POLL_KIND, params: { pluginId, action } } } };
  }
  if (members.some((m) => normalizeStatus(m.pluginStatus) === 'FAILED')) {
    throw new Error(`a member of ${pluginId} is FAILED, which does not say whether ${action} ran`);
  }
  if (members.every((m) => normalizeStatus(m.pluginStatus) === ACTION_TARGET[action])) {
    if (TARGET_IS_A_SIGN[action]) return seen;
    throw new Error(`SDM shows no difference between a finished ${action} and none`);
  }
  return { status: 'QUEUED' };
}

function outcomeParams(params: PollParams): { pluginId: string; action: SdmAction } {
  const { pluginId, action } = params;
  if (typeof pluginId !== 'string' || !isSdmAction(action)) {
    throw new TypeError(`${SDM_OUTCOME_KIND} needs a pluginId and an action`);
  }
  return { pluginId, action };
}
