import { randomUUID } from 'node:crypto';
import { createPubSub, type PubSub } from 'graphql-yoga';
import type { BackendName } from '../domain/backend.ts';
import { MemoryTaskLocks, type PollLeases, type TaskLocks } from './coordination.ts';
import { TaskOutbox } from './outbox.ts';
import type { TaskStore } from './store.ts';
import {
  isTerminal,
  type Started,
  type Task,
  type TaskObservation,
  type TaskOperation,
  type TaskPoller,
  type TaskTarget,
} from './types.ts';
import { changed, TaskFeed } from './watchers.ts';

export type TaskEvents = { taskChanged: [taskId: string, task: Task] };

export interface TaskTrackerOptions {
  readonly store: TaskStore;
  /** Pollers by kind, registered by the backends that are configured. */
  readonly pollers: Readonly<Record<string, TaskPoller>>;
  readonly intervalMs: number;
  /** How long polls may keep failing (appliance restarting) before the task ends TRACKING_LOST. */
  readonly graceMs: number;
  /** The change stream; Redis-backed in scaled-out mode. Default: in process. */
  readonly pubsub?: PubSub<TaskEvents>;
  /**
   * Scaled-out mode: which instance polls each task (a Redis lease). Absent: this instance polls
   * every task it launches, and nobody else's.
   */
  readonly leases?: PollLeases;
  /** Exclusive holds per `lockKey`. Default: in memory (one instance). */
  readonly locks?: TaskLocks;
  /**
   * Resolves once a change subscription made just before it is live. The Redis change stream
   * subscribes asynchronously; without this wait a change between SUBSCRIBE and the read of the
   * current state could be missed.
   */
  readonly changesReady?: () => Promise<void>;
  /**
   * Registers a callback for when the change stream is back after a loss (Redis reconnected):
   * every watched task is then read from the store again, so a change published meanwhile, a
   * terminal one above all, is not missed for good.
   */
  readonly onChangesResumed?: (listener: () => void) => void;
  readonly onPollError?: (task: Task, err: unknown) => void;
  /** Background coordination failures (lease renewal, take-over scan); retried on the next tick. */
  readonly onError?: (err: unknown, during: string) => void;
  /**
   * How often task writes the store refused (kept in memory meanwhile) are tried again; default
   * the poll interval, between 50 ms and 1 s.
   */
  readonly retryMs?: number;
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
  /**
   * Makes the vendor call. Runs at most once per launch, and only once the task is stored (as
   * QUEUED): a store that cannot take it fails the launch with STORE_UNAVAILABLE, and then the
   * vendor is never called.
   */
  readonly start: () => Promise<Started>;
}

/**
 * Owns every task from launch to its end: one poller per live task whatever the number of
 * watchers, polling until a terminal state whether or not anyone watches, publishing each change.
 * In scaled-out mode the poller of a task is whichever instance holds its lease; every instance
 * scans for live tasks whose lease lapsed (their instance died) and takes them over.
 */
export class TaskTracker {
  readonly pubsub: PubSub<TaskEvents>;
  private readonly locks: TaskLocks;
  /** Writes the store refused after the vendor had acted: kept until the store takes them. */
  private readonly outbox: TaskOutbox;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** One change subscription per watched task, shared by its watchers (watchers.ts). */
  private readonly feeds = new Map<string, TaskFeed>();
  /** Tasks whose lease this instance holds (scaled-out mode only). */
  private readonly leased = new Set<string>();
  private heartbeat: NodeJS.Timeout | undefined;
  private ticking = false;
  private closed = false;

  constructor(private readonly options: TaskTrackerOptions) {
    // Each task is one event type with one listener (its feed, however many watch it).
    this.pubsub = options.pubsub ?? createPubSub<TaskEvents>();
    this.locks = options.locks ?? new MemoryTaskLocks();
    this.outbox = new TaskOutbox({
      store: options.store,
      retryMs: options.retryMs ?? Math.min(1_000, Math.max(50, options.intervalMs)),
      // Published again once stored: a watcher on another instance only now can read it.
      onWritten: (task) => this.pubsub.publish('taskChanged', task.id, task),
      onError: (err) => options.onError?.(err, 'writing tasks kept while the store was down'),
    });
    const { leases } = options;
    if (leases) {
      this.heartbeat = setInterval(() => void this.tick(), Math.max(10, leases.ttlMs / 3));
      this.heartbeat.unref();
    }
    options.onChangesResumed?.(() => {
      this.catchUp().catch((err: unknown) => this.options.onError?.(err, 'change stream catch-up'));
    });
  }

  /** Offers every watched task's stored state to its watchers (they drop what they have seen). */
  private async catchUp(): Promise<void> {
    const feeds = [...this.feeds];
    const tasks = await Promise.all(feeds.map(([id]) => this.get(id)));
    feeds.forEach(([, feed], i) => {
      const task = tasks[i];
      if (task) feed.deliver(task);
    });
  }

  /** A task; one whose write the store refused is answered from memory until it is written. */
  async get(id: string): Promise<Task | undefined> {
    const kept = this.outbox.get(id);
    if (kept !== undefined) return kept ?? undefined;
    return this.options.store.get(id);
  }

  async list(): Promise<Task[]> {
    return this.outbox.overlay(await this.options.store.list());
  }

  /**
   * Launches a task: stores it QUEUED (with its lock, if it has a `lockKey`), makes the vendor
   * call, stores what the vendor answered. The task's id is ours, chosen before the call, so that
   * no vendor write ever happens without its task stored first.
   */
  launch(opts: LaunchOptions): Promise<Task> {
    const id = `${opts.backend}:${randomUUID()}`;
    const begin = () => this.begin(id, opts);
    return opts.lockKey === undefined ? begin() : this.locks.hold(opts.lockKey, id, begin);
  }

  /**
   * The task's current state, then each change, ending after a terminal state (a finished task
   * yields its final state once). Undefined for an unknown id. Listens for changes before reading
   * the current state, so nothing that happens in between is lost; stale or repeated events are
   * dropped, so what is seen never goes backwards. Stopping the iterator stops listening at once.
   */
  async watch(id: string): Promise<AsyncIterableIterator<Task> | undefined> {
    let feed = this.feeds.get(id);
    if (!feed) {
      const created = new TaskFeed(this.pubsub.subscribe('taskChanged', id), () => {
        if (this.feeds.get(id) === created) this.feeds.delete(id);
      });
      this.feeds.set(id, created);
      feed = created;
    }
    const watcher = feed.watch();
    let current: Task | undefined;
    try {
      await this.options.changesReady?.();
      current = await this.get(id);
    } finally {
      if (!current) await watcher.return();
    }
    if (!current) return undefined;
    watcher.start(current);
    return watcher;
  }

  private async begin(id: string, opts: LaunchOptions): Promise<Task> {
    const createdAt = new Date();
    const pending: Task = {
      id,
      backend: opts.backend,
      operation: opts.operation,
      description: opts.description,
      status: 'QUEUED',
      createdAt,
      updatedAt: createdAt,
      target: opts.target,
      lockKey: opts.lockKey,
    };
    try {
      await this.options.store.put(pending);
    } catch (err) {
      // Nothing was sent. A write that timed out may still land later: have it deleted then.
      this.outbox.keep(id, null);
      throw err;
    }
    let started: Started;
    try {
      started = await opts.start();
    } catch (err) {
      // The vendor refused (or never answered): no task, as if the launch had not happened.
      await this.discard(id);
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
        poll: started.poll,
      },
      initial,
      now,
    );
    // From here on the vendor has acted: the caller gets the task whatever the store does.
    await this.save(task);
    this.pubsub.publish('taskChanged', task.id, task);
    if (!isTerminal(task.status) && task.poll) await this.follow(task.id);
    return task;
  }

  /**
   * Stores a new state of a task. Never throws: when the store refuses it, the state is kept in
   * memory (and answered from there) until the store is back. A task already waiting there
   * waits in its newer state, so states reach the store in order.
   */
  private async save(task: Task): Promise<void> {
    if (!this.outbox.has(task.id)) {
      try {
        await this.options.store.put(task);
        return;
      } catch (err) {
        this.options.onError?.(err, 'task write; kept in memory until the store is back');
      }
    }
    this.outbox.keep(task.id, task);
  }

  private async discard(id: string): Promise<void> {
    try {
      if (this.outbox.has(id)) throw new Error('an earlier write of this task still waits');
      await this.options.store.delete(id);
    } catch {
      this.outbox.keep(id, null);
    }
  }

  /** Starts polling a task this instance launched (scaled-out: if it gets the lease). */
  private async follow(id: string): Promise<void> {
    const { leases } = this.options;
    if (!leases) {
      this.schedule(id);
      return;
    }
    try {
      if (await leases.acquire(id)) {
        this.leased.add(id);
        this.schedule(id);
      }
    } catch (err) {
      // The task is stored as live: the take-over scan picks it up once Redis answers again.
      this.options.onError?.(err, 'lease acquire');
    }
  }

  private schedule(id: string): void {
    if (this.closed || this.timers.has(id)) return;
    if (this.options.leases && !this.leased.has(id)) return; // lost the lease: another instance polls
    const timer = setTimeout(() => {
      this.timers.delete(id);
      // Only the store can throw here (Redis unreachable): try again at the next interval.
      this.pollOnce(id).catch((err: unknown) => {
        this.options.onError?.(err, 'task poll');
        this.schedule(id);
      });
    }, this.options.intervalMs);
    this.timers.set(id, timer);
  }

  /** One poll of one task; reschedules itself until the task is terminal. */
  private async pollOnce(id: string): Promise<void> {
    const task = await this.get(id);
    if (!task || isTerminal(task.status) || !task.poll) {
      await this.stopFollowing(id);
      return;
    }
    const poller = this.options.pollers[task.poll.kind];
    let next: Task;
    const now = new Date();
    if (!poller) {
      next = fail(task, 'TRACKING_LOST', `No poller for ${task.poll.kind} on this instance`, now);
    } else {
      try {
        const observation = await poller(task.poll.params);
        next = applyObservation(task, observation, now);
      } catch (err) {
        this.options.onPollError?.(task, err);
        // Counted from the first failure, kept in the store: a take-over does not restart it.
        const since = task.pollFailingSince ?? now;
        if (now.getTime() - since.getTime() < this.options.graceMs) {
          if (!task.pollFailingSince) await this.save({ ...task, pollFailingSince: now });
          this.schedule(id);
          return;
        }
        const message = err instanceof Error ? err.message : 'polling failed';
        next = fail(task, 'TRACKING_LOST', `Lost track of the task: ${message}`, now);
      }
      if (next.pollFailingSince) next = { ...next, pollFailingSince: undefined };
    }
    if (changed(task, next)) {
      await this.save(next);
      this.pubsub.publish('taskChanged', next.id, next);
    } else if (task.pollFailingSince) {
      await this.save(next); // polls answer again: only the failure mark goes
    }
    if (isTerminal(next.status)) {
      // A lock left behind is stale (its task ended): the next launch on the key frees it.
      if (next.lockKey !== undefined)
        await this.locks
          .release(next.lockKey, next.id)
          .catch((err: unknown) => this.options.onError?.(err, 'lock release'));
      await this.stopFollowing(id);
      return;
    }
    this.schedule(id);
  }

  private async stopFollowing(id: string): Promise<void> {
    if (!this.leased.delete(id)) return;
    await this.options.leases
      ?.release(id)
      .catch((err: unknown) => this.options.onError?.(err, 'lease release'));
  }

  /**
   * Scaled-out mode, every third of a lease: renew the leases held (dropping the tasks whose
   * lease was lost) and take over live tasks that nobody holds (their instance died).
   */
  private async tick(): Promise<void> {
    const { leases } = this.options;
    if (!leases || this.ticking || this.closed) return;
    this.ticking = true;
    try {
      for (const id of await leases.renew([...this.leased])) {
        this.leased.delete(id);
        clearTimeout(this.timers.get(id));
        this.timers.delete(id);
      }
      for (const task of await this.options.store.listLive()) {
        if (this.closed) return;
        // Only tasks this instance can poll: another may have backends this one lacks.
        if (this.leased.has(task.id) || !task.poll || !this.options.pollers[task.poll.kind]) {
          continue;
        }
        if (await leases.acquire(task.id)) {
          this.leased.add(task.id);
          this.schedule(task.id);
        }
      }
    } catch (err) {
      this.options.onError?.(err, 'lease renewal and take-over scan');
    } finally {
      this.ticking = false;
    }
  }

  /**
   * Stops polling (shutdown) and hands the leases over at once. Tasks stay in the store; tasks
   * kept in memory get a last chance to be written.
   */
  async close(): Promise<void> {
    this.closed = true;
    if (this.outbox.size > 0) await this.outbox.flush();
    const unwritten = this.outbox.close();
    if (unwritten.length > 0) {
      this.options.onError?.(
        new Error(`${unwritten.length} task write(s) lost at shutdown: ${unwritten.join(', ')}`),
        'shutdown',
      );
    }
    clearInterval(this.heartbeat);
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    const held = [...this.leased];
    this.leased.clear();
    const { leases } = this.options;
    if (leases) await Promise.allSettled(held.map((id) => leases.release(id)));
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
