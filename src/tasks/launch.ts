import { randomUUID } from 'node:crypto';
import type { TaskLocks } from './coordination.ts';
import { applyObservation } from './observation.ts';
import { unknownOutcome } from './outcome.ts';
import type { LaunchPlan } from './plan.ts';
import type { TaskPolling } from './polling.ts';
import type { TaskRecords } from './records.ts';
import { type Actor, isTerminal, pollKindAt, type Started, type Task } from './types.ts';
import { VendorWrite } from './vendor-write.ts';

/** Who launches a plan: kept on the task (`Task.startedBy`). */
export interface LaunchBy {
  readonly startedBy?: Actor | undefined;
  /** The rollout the task is a unit of (`Task.rollout`). */
  readonly rollout?: string | undefined;
  /**
   * The task's id, chosen by the caller: a rollout stores it with the unit before the launch,
   * so that after a restart a unit whose task is not stored is known never to have been sent.
   */
  readonly id?: string | undefined;
}

/** What a launch goes through: the tracker's records, locks, change stream and polling. */
export interface TaskLauncherParts {
  readonly records: TaskRecords;
  readonly locks: TaskLocks;
  /** Publishes a new state of a task on the change stream. */
  readonly publish: (task: Task) => void;
  readonly polling: TaskPolling;
  /** Awaited before a terminal state is stored and published (TaskTrackerOptions.beforeEnd). */
  readonly beforeEnd: (task: Task) => Promise<void>;
  /** Told once the vendor accepted the launch (TaskTrackerOptions.onLaunched). */
  readonly onLaunched?: ((task: Task) => void) | undefined;
  /** Told when a launch's write may have acted but its answer was lost (the task is kept). */
  readonly onOutcomeUnknown?: ((task: Task, err: unknown) => void) | undefined;
  /** How long a launch's vendor call may run at most (scaled-out mode: the pending lock's expiry). */
  readonly launchWindowMs?: number;
}

/**
 * Launches tasks: the lock (if the launch has a `lockKey`), the task stored QUEUED, the vendor
 * call, what the vendor answered stored (or kept in the outbox), then the polling begins.
 */
export class TaskLauncher {
  constructor(private readonly parts: TaskLauncherParts) {}

  /**
   * Launches a task: stores it QUEUED (with its lock, if it has a `lockKey`), makes the vendor
   * call, stores what the vendor answered. The task's id is ours, chosen before the call, so that
   * no vendor write ever happens without its task stored first.
   */
  launch(plan: LaunchPlan, by: LaunchBy = {}): Promise<Task> {
    const id = by.id ?? `${plan.endpoint ?? plan.backend}:${randomUUID()}`;
    const begin = () => this.begin(id, plan, by);
    return plan.lockKey === undefined ? begin() : this.parts.locks.hold(plan.lockKey, id, begin);
  }

  private async begin(id: string, opts: LaunchPlan, by: LaunchBy): Promise<Task> {
    const { records } = this.parts;
    const createdAt = new Date();
    const pending: Task = {
      id,
      backend: opts.backend,
      ...(opts.endpoint !== undefined &&
        opts.endpoint !== opts.backend && { endpoint: opts.endpoint }),
      operation: opts.operation,
      description: opts.description,
      status: 'QUEUED',
      createdAt,
      updatedAt: createdAt,
      target: opts.target,
      lockKey: opts.lockKey,
      ...(by.startedBy !== undefined && { startedBy: by.startedBy }),
      ...(by.rollout !== undefined && { rollout: by.rollout }),
      ...(this.parts.launchWindowMs !== undefined && {
        launchUntil: new Date(createdAt.getTime() + this.parts.launchWindowMs),
      }),
    };
    // Nothing is sent when this fails.
    await records.create(pending);
    const write = new VendorWrite();
    let started: Started;
    try {
      started = await opts.start(write);
    } catch (err) {
      if (write.mayHaveActed(err)) return this.keepUnknown(pending, write, err);
      // The vendor refused, or nothing reached it: no task, as if the launch had not happened.
      await records.discard(id);
      throw err;
    }
    const now = new Date();
    const initial = started.initial ?? { status: 'QUEUED' as const };
    const task = applyObservation(
      {
        ...pending,
        nativeId: started.nativeId,
        description: initial.description ?? opts.description,
        updatedAt: now,
        poll: started.poll && {
          ...started.poll,
          kind: pollKindAt(started.poll.kind, opts.endpoint ?? opts.backend, opts.backend),
        },
        launchUntil: undefined,
      },
      initial,
      now,
    );
    // From here on the vendor has acted: the caller gets the task whatever the store does.
    if (isTerminal(task.status)) await this.parts.beforeEnd(task);
    else this.parts.onLaunched?.(task);
    await records.save(task);
    this.parts.publish(task);
    if (!isTerminal(task.status) && task.poll) await this.parts.polling.follow(task.id);
    return task;
  }

  /**
   * The write was sent and its answer lost (or unreadable): the vendor may have acted. The task
   * is kept with its lock, says so (OUTCOME_UNKNOWN) and is polled to find out (outcome.ts); the
   * caller gets it instead of the error, so that a retry meets it as a ConflictError.
   */
  private async keepUnknown(pending: Task, write: VendorWrite, err: unknown): Promise<Task> {
    const task = unknownOutcome(pending, write, new Date());
    this.parts.onOutcomeUnknown?.(task, err);
    this.parts.onLaunched?.(task);
    await this.parts.records.save(task);
    this.parts.publish(task);
    await this.parts.polling.follow(task.id);
    return task;
  }
}
