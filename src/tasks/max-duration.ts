import type { TaskOperation } from './types.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * How long a task may stay live before it ends ERROR `TASK_TIMEOUT` and frees its target, per
 * operation, fitted to the vendors' real durations (vendor-apis.md) with a wide margin: an
 * appliance update downloads, installs and restarts the appliance (an hour and more); an SDM
 * action walks the cluster members one by one; HSS starts and stops reach agents that may be
 * slow; ZStack plugin-driver jobs take minutes; KorAP answers in the call (its tasks are only
 * ever polled to find out what a lost answer did). TASK_MAX_DURATION_MS, when set, overrides all.
 */
export const TASK_MAX_DURATION_DEFAULTS: Readonly<Record<TaskOperation, number>> = {
  INSTALL_UPDATE: 6 * HOUR,
  PLUGIN_INSTALL: 2 * HOUR,
  PLUGIN_UNINSTALL: 2 * HOUR,
  PLUGIN_REPLACE: 2 * HOUR,
  PLUGIN_RECOVER: 2 * HOUR,
  START_PLUGIN: HOUR,
  STOP_PLUGIN: HOUR,
  DELETE_PLUGIN_DRIVER: 30 * MINUTE,
  REFRESH_PLUGIN_DRIVERS: 30 * MINUTE,
  INSTALL_SUPER_CLIENT_PLUGIN: 30 * MINUTE,
  UNINSTALL_SUPER_CLIENT_PLUGIN: 30 * MINUTE,
};

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
