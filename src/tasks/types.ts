import type { BackendName } from '../domain/backend.ts';
import type { Installation } from '../domain/model.ts';
import type { TaskOperation } from './operations.ts';

export const TASK_STATUSES = ['QUEUED', 'RUNNING', 'SUCCESS', 'ERROR', 'CANCELLED'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export { TASK_OPERATIONS, type TaskOperation } from './operations.ts';

export function isTerminal(status: TaskStatus): boolean {
  return status === 'SUCCESS' || status === 'ERROR' || status === 'CANCELLED';
}

export interface TaskError {
  /**
   * Vendor code where the vendor gave one (`SYS.1006`), else ours (`TRACKING_LOST`, `JOB_EXPIRED`,
   * `LAUNCH_INTERRUPTED`, `TASK_TIMEOUT`; for a write whose answer was lost `OUTCOME_UNKNOWN`,
   * on a RUNNING task while the vendor's state is read, and `NOT_STARTED`: outcome.ts).
   */
  readonly code: string;
  readonly message: string;
  readonly details?: string | undefined;
}

/** What a task acts on: a graph type and its object id (`endpoint:nativeId`). */
export interface TaskTarget {
  readonly type: 'Plugin' | 'Host' | 'Installation' | 'Update';
  readonly id: string;
}

/**
 * Who launched a task or made an audited call: the caller's name, role and how they proved it
 * (auth/auth.ts `Caller` has this shape; kept here so tasks import nothing of auth).
 */
export interface Actor {
  readonly name: string;
  readonly role: 'viewer' | 'operator';
  readonly via: 'token' | 'jwt' | 'demo';
}

/** JSON-only parameters, so a poll can be resumed by another instance (Redis mode). */
export type PollParams = Readonly<
  Record<string, string | number | boolean | readonly string[] | null>
>;

/**
 * How to poll a task, as data: `kind` names a poller an endpoint's client registers
 * (`appliance.task`, `sdm.pluginAction`), `params` is what it needs.
 */
export interface TaskPollSpec {
  readonly kind: string;
  readonly params: PollParams;
}

export interface Task {
  /**
   * Our id, `${backend}:${uuid}`, chosen before the vendor call (the task is stored before the
   * vendor acts); the vendor's own task or job id is `nativeId`.
   */
  readonly id: string;
  readonly backend: BackendName;
  /** The endpoint it runs on (SPEC §10), when not the one named after its backend. */
  readonly endpoint?: string | undefined;
  readonly nativeId?: string | undefined;
  readonly operation: TaskOperation;
  readonly description?: string | undefined;
  readonly status: TaskStatus;
  readonly progress?: number | undefined;
  readonly createdAt: Date;
  readonly startedAt?: Date | undefined;
  readonly completedAt?: Date | undefined;
  readonly updatedAt: Date;
  readonly error?: TaskError | undefined;
  readonly target?: TaskTarget | undefined;
  /** What the task holds exclusively (`sdm:plugin:ID7:PLUGIN_INSTALL`), released at its end. */
  readonly lockKey?: string | undefined;
  readonly poll?: TaskPollSpec | undefined;
  /** Who launched it (SPEC §11 `Task.startedBy`); absent on tasks stored before callers were. */
  readonly startedBy?: Actor | undefined;
  /** The rollout it is a unit of (SPEC §13 `Task.rollout`), by id. */
  readonly rollout?: string | undefined;
  /**
   * Since when polls of the vendor have failed in a row (appliance restarting); kept with the task
   * so that an instance taking it over keeps counting TASK_TRACKING_GRACE_MS from then. Internal:
   * not in the graph, not a change subscribers hear about.
   */
  readonly pollFailingSince?: Date | undefined;
  /**
   * Set while the task waits for its launch's vendor call: until when that call may still run
   * (the pending lock's expiry). A task still QUEUED with no poll spec after it was launched by an
   * instance that died during the call; the take-over scan ends it LAUNCH_INTERRUPTED. Internal.
   */
  readonly launchUntil?: Date | undefined;
}

/** What one poll of the vendor saw. */
export interface TaskObservation {
  readonly status: TaskStatus;
  /** 0..100; null or absent while unknown. */
  readonly progress?: number | null | undefined;
  readonly error?: TaskError | undefined;
  readonly description?: string | undefined;
  readonly startedAt?: Date | undefined;
  readonly completedAt?: Date | undefined;
  /**
   * Only from a reconcile poller (outcome.ts), for a write whose answer was lost: the vendor
   * task or job found to be that write's, followed from now on with `poll` (its kind as the
   * client registers it). A reconcile poller's status that is not terminal counts as a sign of
   * the write only with `adopt`; its `QUEUED` means "no sign of the write".
   */
  readonly adopt?: { readonly nativeId?: string; readonly poll: TaskPollSpec } | undefined;
}

/**
 * The poller kind of an endpoint (SPEC §10): a client registers its kinds (`appliance.task`);
 * an endpoint not named after its backend has them as `appliance.task@dr-a`, so a task's poll
 * spec names the endpoint and any instance taking the task over polls the right one.
 */
export function pollKindAt(kind: string, endpoint: string, backend: BackendName): string {
  return endpoint === backend ? kind : `${kind}@${endpoint}`;
}

/** Asks the vendor once. Throwing means "could not tell": retried until the grace period ends. */
export type SinglePoller = (params: PollParams) => Promise<TaskObservation>;

/**
 * Polls many tasks of one kind with one vendor read (SDM: one plug-in list for every action;
 * HSS: one status read per plugin code for all its targets), so the cost of a poll round
 * follows the endpoint, not the number of live tasks. Tasks whose `batchKey` is equal share a
 * read; `poll` answers one entry per params, in order: an observation, or an Error for a task
 * the read could not tell about. Throwing fails every task of the batch (each then counts its
 * own grace period).
 */
export interface BatchPoller {
  readonly batchKey: (params: PollParams) => string;
  readonly poll: (params: readonly PollParams[]) => Promise<readonly (TaskObservation | Error)[]>;
}

/**
 * A kind's poller: vendor-native tasks (appliance tasks, ZStack jobs) are one call per task, at
 * most a few at a time per endpoint; synthesized tasks are polled in batches.
 */
export type TaskPoller = SinglePoller | BatchPoller;

/** What a launch's vendor call answered (`LaunchPlan.start`). */
export interface Started {
  /** The vendor's task / job id, where it has one. */
  readonly nativeId?: string;
  /** How to follow the task; absent for operations that finished in the call (KorAP). */
  readonly poll?: TaskPollSpec;
  /** The state known right after the call; default QUEUED. */
  readonly initial?: TaskObservation;
  /** What an install that finished in the call installed (KorAP): the mutation's payload shows it. */
  readonly installation?: Installation;
}
