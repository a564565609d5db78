const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * Every operation a task runs (the GraphQL enum TaskOperation, in this order), each with how long
 * its task may stay live before it ends ERROR `TASK_TIMEOUT` and frees its target, fitted to the
 * vendors' real durations with a wide margin: an appliance update downloads, installs and restarts
 * the appliance (an hour and more); an SDM action walks the cluster members one by one; HSS starts
 * and stops reach agents that may be slow; ZStack plugin-driver jobs take minutes; KorAP answers
 * in the call (its tasks are only ever polled to find out what a lost answer did).
 * TASK_MAX_DURATION_MS, when set, overrides all (max-duration.ts). A new mutation adds its
 * operation here, once.
 */
export const OPERATION_MAX_DURATION_MS = {
  INSTALL_UPDATE: 6 * HOUR,
  PLUGIN_INSTALL: 2 * HOUR,
  PLUGIN_UNINSTALL: 2 * HOUR,
  PLUGIN_REPLACE: 2 * HOUR,
  PLUGIN_RECOVER: 2 * HOUR,
  DELETE_PLUGIN_DRIVER: 30 * MINUTE,
  REFRESH_PLUGIN_DRIVERS: 30 * MINUTE,
  START_PLUGIN: HOUR,
  STOP_PLUGIN: HOUR,
  INSTALL_SUPER_CLIENT_PLUGIN: 30 * MINUTE,
  UNINSTALL_SUPER_CLIENT_PLUGIN: 30 * MINUTE,
} as const satisfies Record<string, number>;

export type TaskOperation = keyof typeof OPERATION_MAX_DURATION_MS;

export const TASK_OPERATIONS = Object.keys(OPERATION_MAX_DURATION_MS) as readonly TaskOperation[];
