import { isTerminal, type Task, type TaskObservation } from './types.ts';
import { changed } from './watchers.ts';

/** Merges what a poll saw into the task; progress never goes backwards while running. */
export function applyObservation(task: Task, seen: TaskObservation, now: Date): Task {
  const terminal = isTerminal(seen.status);
  let progress = seen.progress ?? task.progress;
  if (seen.status === 'SUCCESS') progress = 100;
  else if (
    !terminal &&
    task.progress !== undefined &&
    progress !== undefined &&
    progress < task.progress
  ) {
    progress = task.progress;
  }
  const startedAt =
    task.startedAt ?? seen.startedAt ?? (seen.status === 'QUEUED' ? undefined : now);
  const next: Task = {
    ...task,
    status: seen.status,
    progress: progress === null ? undefined : progress,
    description: seen.description ?? task.description,
    error:
      seen.status === 'ERROR'
        ? (seen.error ?? { code: 'UNKNOWN', message: 'The task failed' })
        : undefined,
    startedAt,
    completedAt: terminal ? (task.completedAt ?? seen.completedAt ?? now) : undefined,
  };
  return changed(task, next) ? { ...next, updatedAt: now } : next;
}

/** The task ended in ERROR with our own code (`TRACKING_LOST`), not a vendor's. */
export function failTask(task: Task, code: string, message: string, now: Date): Task {
  return applyObservation(task, { status: 'ERROR', error: { code, message } }, now);
}
