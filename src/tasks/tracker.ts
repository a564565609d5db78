import { randomUUID } from 'node:crypto';
import { createPubSub, type PubSub } from 'graphql-yoga';
import type { BackendName } from '../domain/backend.ts';
import { ConflictError } from '../domain/errors.ts';
import type { TaskStore } from './store.ts';
import {
  isTerminal,
  type Task,
  type TaskObservation,
  type TaskOperation,
  type TaskPoller,
  type TaskPollSpec,
  type TaskTarget,
} from './types.ts';

export type TaskEvents = { taskChanged: [taskId: string, task: Task] };

export interface TaskTrackerOptions {
  readonly store: TaskStore;
  /** Pollers by kind, registered by the backends that are configured. */
  readonly pollers: Readonly<Record<string, TaskPoller>>;
  readonly intervalMs: number;
  /** How long polls may keep failing (appliance restarting) before the task ends TRACKING_LOST. */
  readonly graceMs: number;
  readonly pubsub?: PubSub<TaskEvents>;
  readonly onPollError?: (task: Task, err: unknown) => void;
}

export interface LaunchOptions {
  readonly backend: BackendName;
  readonly operation: TaskOperation;
  readonly description?: string;
  readonly target?: TaskTarget;
  /**
   * Two launches with the same key while the first runs: the second gets ConflictError carrying
   * the running task and its `start` is never called, so the vendor sees one request.
   */
  readonly lockKey?: string;
  /** Makes the vendor call. Runs at most once per launch. */
  readonly start: () => Promise<Started>;
}

export interface Started {
  /** The vendor's task / job id, where it has one. */
  readonly nativeId?: string;
  /** How to follow the task; absent for operations that finished in the call (KorAP). */
  readonly poll?: TaskPollSpec;
  /** The state known right after the call; default QUEUED. */
  readonly initial?: TaskObservation;
}

/**
 * Owns every task from launch to its end: one poller per live task whatever the number of
 * watchers, polling until a terminal state whether or not anyone watches, publishing each change.
 */
export class TaskTracker {
  readonly pubsub: PubSub<TaskEvents>;
  private readonly locks = new Map<string, Promise<Task>>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly failingSince = new Map<string, number>();
  private closed = false;

  constructor(private readonly options: TaskTrackerOptions) {
    this.pubsub = options.pubsub ?? createPubSub<TaskEvents>();
  }

  get(id: string): Promise<Task | undefined> {
    return this.options.store.get(id);
  }

  list(): Promise<Task[]> {
    return this.options.store.list();
  }

  async launch(opts: LaunchOptions): Promise<Task> {
    const { lockKey } = opts;
    if (lockKey !== undefined) {
      const held = this.locks.get(lockKey);
      if (held) {
        const running = await held.catch(() => undefined);
        if (running && !isTerminal(running.status)) {
          throw new ConflictError(`An operation is already running on this target`, running.id);
        }
        if (this.locks.get(lockKey) !== held) return this.launch(opts); // someone else took it meanwhile
      }
    }
    const pending = this.begin(opts);
    if (lockKey !== undefined) {
      this.locks.set(lockKey, pending);
      pending.then(
        (task) => {
          if (isTerminal(task.status)) this.release(lockKey, pending);
        },
        () => this.release(lockKey, pending),
      );
    }
    return pending;
  }

  private release(lockKey: string, pending: Promise<Task>): void {
    if (this.locks.get(lockKey) === pending) this.locks.delete(lockKey);
  }

  private async begin(opts: LaunchOptions): Promise<Task> {
    const started = await opts.start();
    const now = new Date();
    const initial = started.initial ?? { status: 'QUEUED' as const };
    let task: Task = {
      id: `${opts.backend}:${started.nativeId ?? randomUUID()}`,
      backend: opts.backend,
      nativeId: started.nativeId,
      operation: opts.operation,
      description: initial.description ?? opts.description,
      status: 'QUEUED',
      createdAt: now,
      updatedAt: now,
      target: opts.target,
      lockKey: opts.lockKey,
      poll: started.poll,
    };
    task = applyObservation(task, initial, now);
    await this.options.store.put(task);
    this.pubsub.publish('taskChanged', task.id, task);
    if (!isTerminal(task.status) && task.poll) this.schedule(task.id);
    return task;
  }

  private schedule(id: string): void {
    if (this.closed || this.timers.has(id)) return;
    const timer = setTimeout(() => {
      this.timers.delete(id);
      void this.pollOnce(id);
    }, this.options.intervalMs);
    this.timers.set(id, timer);
  }

  /** One poll of one task; reschedules itself until the task is terminal. */
  private async pollOnce(id: string): Promise<void> {
    const task = await this.options.store.get(id);
    if (!task || isTerminal(task.status) || !task.poll) return;
    const poller = this.options.pollers[task.poll.kind];
    let next: Task;
    const now = new Date();
    if (!poller) {
      next = fail(task, 'TRACKING_LOST', `No poller for ${task.poll.kind} on this instance`, now);
    } else {
      try {
        const observation = await poller(task.poll.params);
        this.failingSince.delete(id);
        next = applyObservation(task, observation, now);
      } catch (err) {
        this.options.onPollError?.(task, err);
        const since = this.failingSince.get(id) ?? now.getTime();
        this.failingSince.set(id, since);
        if (now.getTime() - since < this.options.graceMs) {
          this.schedule(id);
          return;
        }
        this.failingSince.delete(id);
        const message = err instanceof Error ? err.message : 'polling failed';
        next = fail(task, 'TRACKING_LOST', `Lost track of the task: ${message}`, now);
      }
    }
    if (changed(task, next)) {
      await this.options.store.put(next);
      this.pubsub.publish('taskChanged', next.id, next);
    }
    if (isTerminal(next.status)) {
      if (next.lockKey !== undefined) {
        const held = this.locks.get(next.lockKey);
        if (held) void held.then((t) => t.id === next.id && this.release(next.lockKey!, held));
      }
      return;
    }
    this.schedule(id);
  }

  /** Stops polling (shutdown). Tasks stay in the store. */
  close(): void {
    this.closed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}

function fail(task: Task, code: string, message: string, now: Date): Task {
  return applyObservation(task, { status: 'ERROR', error: { code, message } }, now);
}

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

function changed(a: Task, b: Task): boolean {
  return (
    a.status !== b.status ||
    a.progress !== b.progress ||
    a.description !== b.description ||
    a.error?.code !== b.error?.code ||
    a.error?.message !== b.error?.message
  );
}
