import { durationText, maxDurationOf } from './max-duration.ts';
import { applyObservation, failTask } from './observation.ts';
import { graceOver, isOutcomeUnknown, reconciled, untold } from './outcome.ts';
import type { PolledTask, PollResult } from './poll-round.ts';
import { isTerminal, type Task } from './types.ts';

/** What a task's poll came to: a vendor read, or no read at all. */
export type PollOutcome =
  | PollResult
  /** A write whose vendor offers no state to read (outcome.ts UNTELLABLE_KIND). */
  | { readonly untellable: true }
  /** No poller for the task's kind on this instance. */
  | undefined;

export interface PollVerdictLimits {
  /** TASK_TRACKING_GRACE_MS: how long polls may fail, and a lost write show no sign. */
  readonly graceMs: number;
  /** TASK_MAX_DURATION_MS: overrides every operation's default (max-duration.ts). */
  readonly maxDurationMs?: number | undefined;
}

/**
 * A task's next state after one poll: what the vendor showed (or, for a write whose answer was
 * lost, what its state says of that write: outcome.ts); a failure within the grace period only
 * marks since when polls fail (`pollFailingSince`), past it TRACKING_LOST; and a task still live
 * past its operation's longest duration ends TASK_TIMEOUT. Pure: the clock is `now`.
 */
export function nextState(
  task: PolledTask,
  outcome: PollOutcome,
  now: Date,
  limits: PollVerdictLimits,
): Task {
  const next = judged(task, outcome, now, limits.graceMs);
  if (isTerminal(next.status)) return next;
  const max = maxDurationOf(task.operation, limits.maxDurationMs);
  if (now.getTime() - task.createdAt.getTime() < max) return next;
  return failTask(
    withoutFailureMark(next),
    'TASK_TIMEOUT',
    `Not finished after ${durationText(max)} (TASK_MAX_DURATION_MS): no longer followed, and its target is free again; the vendor may still be working on it`,
    now,
  );
}

function judged(task: PolledTask, outcome: PollOutcome, now: Date, graceMs: number): Task {
  const unknown = isOutcomeUnknown(task);
  if (outcome === undefined) {
    return failTask(task, 'TRACKING_LOST', `No poller for ${task.poll.kind} on this instance`, now);
  }
  if ('untellable' in outcome) {
    return graceOver(task, now, graceMs)
      ? untold(task, 'its vendor offers no way to tell', now)
      : task;
  }
  if ('seen' in outcome) {
    const seen = unknown
      ? reconciled(task, outcome.seen, now, graceMs)
      : applyObservation(task, outcome.seen, now);
    return withoutFailureMark(seen);
  }
  // Counted from the first failure, kept in the store: a take-over does not restart it.
  const since = task.pollFailingSince ?? now;
  if (now.getTime() - since.getTime() < graceMs) {
    return task.pollFailingSince ? task : { ...task, pollFailingSince: since };
  }
  const failed = outcome.failed;
  const message = failed instanceof Error ? failed.message : 'polling failed';
  const ended = unknown
    ? untold(task, message, now)
    : failTask(task, 'TRACKING_LOST', `Lost track of the task: ${message}`, now);
  return withoutFailureMark(ended);
}

function withoutFailureMark(task: Task): Task {
  return task.pollFailingSince ? { ...task, pollFailingSince: undefined } : task;
}
