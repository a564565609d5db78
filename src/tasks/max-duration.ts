import { OPERATION_MAX_DURATION_MS, type TaskOperation } from './operations.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Each operation's longest live duration by default (operations.ts says why these). */
export const TASK_MAX_DURATION_DEFAULTS: Readonly<Record<TaskOperation, number>> =
  OPERATION_MAX_DURATION_MS;

/** The longest an operation's task may run: `override` (TASK_MAX_DURATION_MS) or its default. */
export function maxDurationOf(operation: TaskOperation, override: number | undefined): number {
  return override ?? TASK_MAX_DURATION_DEFAULTS[operation];
}

/** "6 h", "30 min", "250 ms": a duration as a task message gives it. */
export function durationText(ms: number): string {
  if (ms % HOUR === 0) return `${ms / HOUR} h`;
  if (ms % MINUTE === 0) return `${ms / MINUTE} min`;
  if (ms % 1_000 === 0) return `${ms / 1_000} s`;
  return `${ms} ms`;
}
