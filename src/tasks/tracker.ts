import { createPubSub, type PubSub } from 'graphql-yoga';
import { MemoryTaskLocks, type TaskLocks } from './coordination.ts';
import { type LaunchBy, TaskLauncher } from './launch.ts';
import type { LaunchPlan } from './plan.ts';
import { TaskPolling, type TaskPollingOptions } from './polling.ts';
import { TaskRecords } from './records.ts';
import type { TaskStore } from './store.ts';
import type { TaskCount, TaskPageQuery } from './task-index.ts';
import type { Task } from './types.ts';
import { TaskFeed } from './watchers.ts';

export type TaskEvents = { taskChanged: [taskId: string, task: Task] };

export interface TaskTrackerOptions extends TaskPollingOptions {
  readonly store: TaskStore;
  /** The change stream; Redis-backed in scaled-out mode. Default: in process. */
  readonly pubsub?: PubSub<TaskEvents>;
  /** Exclusive holds per `lockKey`. Default: in memory (one instance). */
  readonly locks?: TaskLocks;
  /**
   * Scaled-out mode: the longest a launch's vendor call may run (the pending lock's expiry). A
   * task still waiting for its launch after that was launched by an instance that died during
   * the call: the take-over scan ends it LAUNCH_INTERRUPTED. Absent: never ended (one instance).
   */
  readonly launchWindowMs?: number;
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
  /**
   * How often task writes the store refused (kept in memory meanwhile) are tried again; default
   * the poll interval, between 50 ms and 1 s.
   */
  readonly retryMs?: number;
  /**
   * Told when a task's launch was accepted by the vendor (the inventory refreshes its endpoint).
   * Must not throw.
   */
  readonly onLaunched?: (task: Task) => void;
  /**
   * Told when a launch's write was sent but its answer lost or unreadable (the vendor may have
   * acted): the caller gets the task, kept with error OUTCOME_UNKNOWN, not `err`. Must not throw.
   */
  readonly onOutcomeUnknown?: (task: Task, err: unknown) => void;
  /**
   * Awaited before a task's terminal state is stored and published (the inventory's refresh of
   * its endpoint, bounded by the backend timeout): whoever sees the end sees its effect. Must not
   * reject.
   */
  readonly beforeEnd?: (task: Task) => Promise<void>;
}

/**
 * Owns every task from launch to its end: one poller per live task whatever the number of
 * watchers, polling until a terminal state whether or not anyone watches, publishing each change.
 * The parts: launch.ts (lock, store, vendor call), polling.ts (the polling loop, leases and
 * take-over), records.ts (the store and its outbox); watching stays here, over watchers.ts.
 */
export class TaskTracker {
  readonly pubsub: PubSub<TaskEvents>;
  private readonly records: TaskRecords;
  private readonly polling: TaskPolling;
  private readonly launcher: TaskLauncher;
  /** One change subscription per watched task, shared by its watchers (watchers.ts). */
  private readonly feeds = new Map<string, TaskFeed>();

  constructor(private readonly options: TaskTrackerOptions) {
    // Each task is one event type with one listener (its feed, however many watch it).
    this.pubsub = options.pubsub ?? createPubSub<TaskEvents>();
    const publish = (task: Task) => this.pubsub.publish('taskChanged', task.id, task);
    const locks = options.locks ?? new MemoryTaskLocks();
    this.records = new TaskRecords({
      store: options.store,
      retryMs: options.retryMs ?? Math.min(1_000, Math.max(50, options.intervalMs)),
      // Published again once stored: a watcher on another instance only now can read it.
      onWritten: publish,
      onError: options.onError,
    });
    const beforeEnd = options.beforeEnd ?? (() => Promise.resolve());
    this.polling = new TaskPolling(options, { records: this.records, locks, publish, beforeEnd });
    this.launcher = new TaskLauncher({
      records: this.records,
      locks,
      publish,
      beforeEnd,
      onLaunched: options.onLaunched,
      onOutcomeUnknown: options.onOutcomeUnknown,
      polling: this.polling,
      launchWindowMs: options.launchWindowMs,
    });
    options.onChangesResumed?.(() => {
      this.catchUp().catch((err: unknown) => this.options.onError?.(err, 'change stream catch-up'));
    });
  }

  /** A task; one whose write the store refused is answered from memory until it is written. */
  get(id: string): Promise<Task | undefined> {
    return this.records.get(id);
  }

  list(): Promise<Task[]> {
    return this.records.list();
  }

  /** A page of tasks, newest first, through the store's index (see TaskStore.page). */
  page(query: TaskPageQuery): Promise<Task[]> {
    return this.records.page(query);
  }

  /** Tasks per endpoint and status, for /metrics. */
  counts(): Promise<TaskCount[]> {
    return this.records.counts();
  }

  /** See TaskLauncher.launch: the task is stored before the vendor call, its id chosen first. */
  launch(plan: LaunchPlan, by?: LaunchBy): Promise<Task> {
    return this.launcher.launch(plan, by);
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

  /**
   * Stops polling (shutdown) and hands the leases over at once. Tasks stay in the store; tasks
   * kept in memory get a last chance to be written.
   */
  async close(): Promise<void> {
    this.polling.stop();
    await this.records.close();
    await this.polling.handOver();
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
}
