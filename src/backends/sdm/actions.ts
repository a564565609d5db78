import type { TaskObservation } from '../../tasks/types.ts';
import { isTransitional, normalizeStatus } from './statuses.ts';
import type { SdmMember } from './wire.ts';

/**
 * SDM has no task resource: an action's progress is read off the members' `pluginStatus`
 * (vendor-apis.md §1, "Task for performPluginAction"). These are those rules, kept pure.
 */

export const SDM_ACTIONS = ['install', 'uninstall', 'replace', 'recover'] as const;
export type SdmAction = (typeof SDM_ACTIONS)[number];

export function isSdmAction(value: unknown): value is SdmAction {
  return typeof value === 'string' && (SDM_ACTIONS as readonly string[]).includes(value);
}

/** The `pluginStatus` every member ends in when the action succeeded. */
export const ACTION_TARGET: Readonly<Record<SdmAction, string>> = {
  install: 'INSTALLED',
  uninstall: 'UPLOADED',
  replace: 'INSTALLED',
  recover: 'INSTALLED',
};

/**
 * One look at the members: RUNNING while any is transitional; then ERROR if any is FAILED
 * (naming them); SUCCESS once all reached the target; otherwise RUNNING (the vendor has not
 * started moving them yet). Progress is the share of members at the target, 0..100.
 *
 * `recover` repairs only the first failed member (vendor rule): with several failed members the
 * task ends ERROR naming those still failed, which is what the cluster really looks like.
 */
export function observeAction(action: SdmAction, members: readonly SdmMember[]): TaskObservation {
  const target = ACTION_TARGET[action];
  const done = members.filter((m) => normalizeStatus(m.pluginStatus) === target).length;
  const progress = members.length === 0 ? 100 : Math.floor((done / members.length) * 100);
  if (members.some((m) => isTransitional(m.pluginStatus))) return { status: 'RUNNING', progress };
  const failed = members.filter((m) => normalizeStatus(m.pluginStatus) === 'FAILED');
  if (failed.length > 0) {
    const names = failed.map((m) => m.ipAddress).join(', ');
    return {
      status: 'ERROR',
      progress,
      error: {
        code: 'PLUGIN_ACTION_FAILED',
        message: `${action} failed on cluster member${failed.length > 1 ? 's' : ''} ${names}`,
      },
    };
  }
  if (done === members.length) return { status: 'SUCCESS', progress: 100 };
  return { status: 'RUNNING', progress };
}
