import { applyObservation, failTask } from './observation.ts';
import { isTerminal, pollKindAt, type Task, type TaskObservation } from './types.ts';
import type { VendorWrite } from './vendor-write.ts';

/**
 * A write whose answer was lost (SPEC §6, issue 26): the vendor may or may not have acted, so its
 * task is kept, RUNNING with error `OUTCOME_UNKNOWN`, and keeps its lock (a retry on the target is
 * a ConflictError carrying it) until the vendor's own state tells. Its poll spec is then a
 * reconcile kind of its backend, whose poller reads that state and answers:
 *
 * - an observation with `adopt` (or a terminal one): the write acted; the task follows the vendor's
 *   task or job from now on, as any other (`adopt.poll`), or ends where the vendor shows it ended;
 * - `QUEUED`: no sign of the write. Once that has lasted the tracking grace period
 *   (TASK_TRACKING_GRACE_MS) from the lost answer, the write did not act: ERROR `NOT_STARTED`, and
 *   the target is free;
 * - a failure: could not tell this time. Failing for the grace period ends the task ERROR
 *   `OUTCOME_UNKNOWN` (the target freed, the caller told to check it), as does a backend whose
 *   vendor offers no way to tell (`UNTELLABLE_KIND`).
 */

export const OUTCOME_UNKNOWN = 'OUTCOME_UNKNOWN';

/** The poll kind of a write whose vendor has no state to read it from: ends at the grace period. */
export const UNTELLABLE_KIND = 'task.outcomeUntellable';

export function isOutcomeUnknown(task: Task): boolean {
  return !isTerminal(task.status) && task.error?.code === OUTCOME_UNKNOWN;
}

/** The launch's task once its write may have acted: kept, saying so, polled to find out. */
export function unknownOutcome(task: Task, write: VendorWrite, now: Date): Task {
  const endpoint = task.endpoint ?? task.backend;
  const spec = write.reconcile;
  return {
    ...task,
    status: 'RUNNING',
    startedAt: now,
    updatedAt: now,
    launchUntil: undefined,
    error: {
      code: OUTCOME_UNKNOWN,
      message: `${endpoint} may have acted: ${write.why()}. Its state is read to find out; until then the target stays locked`,
    },
    poll: spec
      ? { kind: pollKindAt(spec.kind, endpoint, task.backend), params: spec.params }
      : { kind: UNTELLABLE_KIND, params: {} },
  };
}

/** Whether the grace period since the answer was lost is over. */
export function graceOver(task: Task, now: Date, graceMs: number): boolean {
  return now.getTime() - (task.startedAt ?? task.createdAt).getTime() >= graceMs;
}

/** What one read of the vendor's state makes of a task whose outcome is unknown. */
export function reconciled(task: Task, seen: TaskObservation, now: Date, graceMs: number): Task {
  const { adopt } = seen;
  if (seen.status === 'QUEUED' || (!isTerminal(seen.status) && !adopt)) {
    if (!graceOver(task, now, graceMs)) return task;
    return failTask(
      task,
      'NOT_STARTED',
      `${task.endpoint ?? task.backend} shows no sign of the call since its answer was lost: it did not act, and the target is free again`,
      now,
    );
  }
  // A vendor task adopted after its end: ours cannot have ended before the write was sent (an
  // earlier end would also expire the task at once, TASK_TTL_SECONDS counting from it).
  const ended = seen.completedAt;
  const sent = task.startedAt ?? task.createdAt;
  const shown = ended && ended < sent ? { ...seen, completedAt: undefined } : seen;
  const followed: Task = adopt
    ? {
        ...task,
        nativeId: adopt.nativeId ?? task.nativeId,
        poll: {
          kind: pollKindAt(adopt.poll.kind, task.endpoint ?? task.backend, task.backend),
          params: adopt.poll.params,
        },
      }
    : task;
  return applyObservation(followed, shown, now);
}

/** Ends a task whose outcome could not be found out: the target is freed, the caller warned. */
export function untold(task: Task, reason: string, now: Date): Task {
  return failTask(
    task,
    OUTCOME_UNKNOWN,
    `Could not find out whether ${task.endpoint ?? task.backend} acted (${reason}): check the target before trying again`,
    now,
  );
}
