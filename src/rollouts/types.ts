import type { BackendName } from '../domain/backend.ts';
import type { TaskOperation } from '../tasks/operations.ts';
import type { Actor, TaskError, TaskTarget } from '../tasks/types.ts';

export const ROLLOUT_STATUSES = [
  'PLANNED',
  'RUNNING',
  'PAUSED',
  'SUCCEEDED',
  'HALTED',
  'CANCELLED',
] as const;
export type RolloutStatus = (typeof ROLLOUT_STATUSES)[number];

export const ROLLOUT_UNIT_STATUSES = [
  'PENDING',
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'CANCELLED',
] as const;
export type RolloutUnitStatus = (typeof ROLLOUT_UNIT_STATUSES)[number];

/** The mutations a rollout can carry: `RolloutActionInput`'s fields. */
export const ROLLOUT_FIELDS = [
  'installUpdate',
  'performPluginAction',
  'startPlugin',
  'stopPlugin',
  'refreshPluginDrivers',
  'deletePluginDriver',
  'installSuperClientPlugin',
  'uninstallSuperClientPlugin',
] as const;
export type RolloutField = (typeof ROLLOUT_FIELDS)[number];

/**
 * The action as data (stored with the rollout): the mutation's field and its input without
 * `endpoint` (and, for HSS, without hosts), which each unit fills in. JSON only, so that a
 * restarted instance rebuilds each unit's plan from it.
 */
export interface RolloutAction {
  readonly field: RolloutField;
  readonly input: Readonly<Record<string, string | null>>;
}

/** One vendor mutation on one endpoint (HSS: up to `hostsPerUnit` hosts). */
export interface RolloutUnit {
  readonly index: number;
  readonly endpoint: string;
  /** HSS: the hosts (native ids) this unit's call carries. */
  readonly hostIds?: readonly string[] | undefined;
  /** What it acts on (HSS: its hosts; else the plan's target). */
  readonly targets: readonly TaskTarget[];
  readonly status: RolloutUnitStatus;
  /**
   * Its task's id, chosen and stored (with status RUNNING) before the launch: a unit RUNNING
   * whose task is not in the task store after a restart never reached the vendor.
   */
  readonly taskId?: string | undefined;
  readonly error?: TaskError | undefined;
}

/** A rollout without its units (stored apart: a unit's change rewrites that unit only). */
export interface RolloutHeader {
  readonly id: string;
  readonly backend: BackendName;
  readonly action: RolloutAction;
  readonly operation: TaskOperation;
  readonly status: RolloutStatus;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly startedAt?: Date | undefined;
  readonly completedAt?: Date | undefined;
  readonly startedBy?: Actor | undefined;
  /**
   * Its units' endpoints, once each (scoped access: a caller sees the rollout when it sees every
   * one of them); absent on rollouts stored before it was kept: read from the units.
   */
  readonly endpoints?: readonly string[] | undefined;
  readonly total: number;
  readonly maxConcurrency: number;
  readonly maxErrors: number;
  readonly canary: number;
  readonly pauseAfterCanary: boolean;
  /** The canary units passed and the pause after them was resumed (or none was asked). */
  readonly canaryPassed: boolean;
  readonly haltedBecause?: string | undefined;
  /** Counts every stored change: a watcher drops a state it has seen (or an older one). */
  readonly revision: number;
  /**
   * Redis: the last pause, resume or cancel sent through the shared queue and applied by the
   * driving instance (the one who sent it waits for a state that has it).
   */
  readonly controlSeq?: number | undefined;
}

/** One stored change of a rollout as published: its header and the units the change wrote. */
export interface RolloutChange {
  readonly header: RolloutHeader;
  readonly units: readonly RolloutUnit[];
}

/** A rollout as the graph shows it: its header and its units. */
export interface Rollout extends RolloutHeader {
  readonly units: readonly RolloutUnit[];
}

export interface RolloutCounts {
  readonly total: number;
  readonly pending: number;
  readonly running: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly cancelled: number;
}

export function countUnits(units: readonly RolloutUnit[]): RolloutCounts {
  const counts = {
    total: units.length,
    pending: 0,
    running: 0,
    succeeded: 0,
    failed: 0,
    cancelled: 0,
  };
  for (const unit of units) {
    if (unit.status === 'PENDING') counts.pending++;
    else if (unit.status === 'RUNNING') counts.running++;
    else if (unit.status === 'SUCCEEDED') counts.succeeded++;
    else if (unit.status === 'FAILED') counts.failed++;
    else counts.cancelled++;
  }
  return counts;
}

/** A rollout that will not change again: nothing runs in it and nothing will start. */
export function isFinished(rollout: RolloutHeader): boolean {
  return rollout.status === 'PLANNED' || rollout.completedAt !== undefined;
}
