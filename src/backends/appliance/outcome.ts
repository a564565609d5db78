import { z } from 'zod';
import type { PollParams, SinglePoller, TaskObservation } from '../../tasks/types.ts';
import { type TaskBody, taskBody } from './wire.ts';

/**
 * What became of an install whose answer was lost (tasks/outcome.ts), read off the appliance's
 * task list: an install task started since the request was sent is that install's (the appliance
 * installs one update at a time, and our lock sends one at a time), adopted and polled as any;
 * none means no sign. The list is not published (vendor-apis.md §4 only has get-task; `GET
 * /tasks` is the sibling SRM API's, a guess like the get-task path): an appliance without it
 * cannot tell, and the task ends OUTCOME_UNKNOWN after the grace period.
 */

export const APPLIANCE_OUTCOME_KIND = 'appliance.installOutcome';

/**
 * The appliance's clock and ours may differ this much (both NTP-synced): a task started or ended
 * this much "before" the write was sent may still be its. One that ended earlier is not: installs
 * take minutes and more, so an earlier install does not pass for the write's in so short a window.
 */
const CLOCK_SKEW_MS = 5_000;

/** The task list: a bare array, or wrapped under one of the usual keys (unpublished: tolerant). */
export const taskList = z.union([
  z.array(taskBody),
  z.object({ tasks: z.array(taskBody) }).transform((b) => b.tasks),
  z.object({ list: z.array(taskBody) }).transform((b) => b.list),
  z.object({ items: z.array(taskBody) }).transform((b) => b.items),
]);

export interface ApplianceOutcomeReads {
  /** The appliance's tasks; throws when it has no list (that is "cannot tell"). */
  tasks(): Promise<TaskBody[]>;
  /** A task as the tracker sees it (its error scrubbed). */
  observe(task: TaskBody): TaskObservation;
}

export function applianceInstallOutcomePoller(reads: ApplianceOutcomeReads): SinglePoller {
  return async (params) => {
    const { version, since } = outcomeParams(params);
    const found = installSince(await reads.tasks(), version, since);
    if (found?.id === undefined) return { status: 'QUEUED' };
    return {
      ...reads.observe(found),
      adopt: { nativeId: found.id, poll: { kind: 'appliance.task', params: { taskId: found.id } } },
    };
  };
}

/**
 * The install task of a write sent at `since`: an install task started since then and not ended
 * before (less the clock skew; one without a start time only while it runs), not naming another
 * version; one naming this version first, else the latest.
 */
export function installSince(
  tasks: readonly TaskBody[],
  version: string,
  since: number,
): TaskBody | undefined {
  const from = since - CLOCK_SKEW_MS;
  const installs = tasks.filter((t) => {
    if (t.id === undefined || !/install/i.test(`${t.type ?? ''} ${t.description ?? ''}`)) {
      return false;
    }
    if (namesOtherVersion(t.description, version)) return false;
    if ((t.complete_time?.getTime() ?? Number.POSITIVE_INFINITY) < from) return false;
    const started = t.start_time?.getTime();
    return started === undefined
      ? t.status === 'QUEUED' || t.status === 'RUNNING'
      : started >= from;
  });
  const latest = (list: TaskBody[]) =>
    list.sort((a, b) => (b.start_time?.getTime() ?? 0) - (a.start_time?.getTime() ?? 0))[0];
  return latest(installs.filter((t) => t.description?.includes(version))) ?? latest(installs);
}

/** Whether a task's description names a version (`9.0.2.1`), and not this one. */
function namesOtherVersion(description: string | undefined, version: string): boolean {
  const named: string[] = description?.match(/\d+(?:\.\d+)+/g) ?? [];
  return named.length > 0 && !named.includes(version);
}

function outcomeParams(params: PollParams): { version: string; since: number } {
  const { version, since } = params;
  if (typeof version !== 'string' || typeof since !== 'number') {
    throw new TypeError(`${APPLIANCE_OUTCOME_KIND} needs a version and a since`);
  }
  return { version, since };
}
