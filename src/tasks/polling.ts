import { outsideRequest } from '../request/scope.ts';
import type { PollLeases, TaskLocks } from './coordination.ts';
import { failTask } from './observation.ts';
import { UNTELLABLE_KIND } from './outcome.ts';
import { PollLimit } from './poll-limit.ts';
import { type PolledTask, pollTasks } from './poll-round.ts';
import { nextState, type PollOutcome } from './poll-verdict.ts';
import type { TaskRecords } from './records.ts';
import { isTerminal, type Task, type TaskPoller } from './types.ts';
import { changed } from './watchers.ts';

export interface TaskPollingOptions {
  /** Pollers by kind, registered by the configured endpoints' clients. */
  readonly pollers: Readonly<Record<string, TaskPoller>>;
  readonly intervalMs: number;
  /**
   * How long polls may keep failing (appliance restarting) before the task ends TRACKING_LOST;
   * and how long a write whose answer was lost may show no sign before it ends NOT_STARTED.
   */
  readonly graceMs: number;
  /** TASK_MAX_DURATION_MS: overrides every operation's longest duration (max-duration.ts). */
  readonly maxDurationMs?: number | undefined;
  /**
   * Scaled-out mode: which instance polls each task (a Redis lease). Absent: this instance polls
   * every task it launches, and nobody else's.
   */
  readonly leases?: PollLeases;
  readonly onPollError?: (task: Task, err: unknown) => void;
  /** After each poll round of one kind, with how many tasks it polled (tests count reads per round). */
  readonly onRound?: (round: { readonly kind: string; readonly tasks: number }) => void;
  /** Background coordination failures (lease renewal, take-over scan); retried on the next tick. */
  readonly onError?: (err: unknown, during: string) => void;
}

/** What polling reads and writes through, besides its options. */
export interface TaskPollingParts {
  readonly records: TaskRecords;
  /** Freed when a task holding one ends. */
  readonly locks: TaskLocks;
  /** Publishes a new state of a task on the change stream. */
  readonly publish: (task: Task) => void;
  /** Awaited before a terminal state is stored and published (TaskTrackerOptions.beforeEnd). */
  readonly beforeEnd: (task: Task) => Promise<void>;
}

/**
 * The polling loop: every interval, one poll round over the live tasks this instance polls,
 * whether or not anyone watches, until each is terminal. A round groups the tasks by poller
 * kind (one kind per endpoint): a batch poller reads once per batch key for all its tasks, a
 * vendor-native kind asks once per task with at most MAX_CONCURRENT_POLLS_PER_ENDPOINT in
 * flight per endpoint. A kind whose previous round is still out sits the round out, so a slow
 * endpoint never stacks reads. In scaled-out mode a task is polled by whichever instance holds
 * its lease (each instance batches the tasks it holds); every instance renews its leases and
 * takes over live tasks whose lease lapsed (their instance died) every third of a lease.
 */
export class TaskPolling {
  /** Tasks this instance polls (scaled-out: those whose lease it holds). */
  private readonly followed = new Set<string>();
  /** Each followed task's poller kind, as last read (it changes once: a lost write adopted). */
  private readonly kinds = new Map<string, string>();
  /** Kinds with a round in flight. */
  private readonly busy = new Set<string>();
  /** Tasks whose lease this instance holds (scaled-out mode only). */
  private readonly leased = new Set<string>();
  private readonly limit = new PollLimit();
  private timer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private ticking = false;
  private closed = false;

  constructor(
    private readonly options: TaskPollingOptions,
    private readonly parts: TaskPollingParts,
  ) {
    const { leases } = options;
    if (leases) {
      this.heartbeat = setInterval(() => void this.tick(), Math.max(10, leases.ttlMs / 3));
      this.heartbeat.unref();
      // At start-up at once: tasks left live by a restart (or a dead instance) resume now.
      void this.tick();
    }
  }

  /** Starts polling a task this instance launched (scaled-out: if it gets the lease). */
  async follow(id: string): Promise<void> {
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

  /** Shutdown begins: no poll is scheduled from now on, no take-over scan runs. */
  stop(): void {
    this.closed = true;
  }

  /** Shutdown: cancels the scheduled polls and hands the leases over at once. */
  async handOver(): Promise<void> {
    this.stop();
    clearInterval(this.heartbeat);
    clearTimeout(this.timer);
    this.timer = undefined;
    this.followed.clear();
    const held = [...this.leased];
    this.leased.clear();
    const { leases } = this.options;
    if (leases) await Promise.allSettled(held.map((id) => leases.release(id)));
  }

  /** Polls the task from the next round on. */
  private schedule(id: string): void {
    if (this.closed) return;
    if (this.options.leases && !this.leased.has(id)) return; // lost the lease: another instance polls
    this.followed.add(id);
    this.wake();
  }

  /** Arms the round timer while there is anything to poll (no timer keeps an idle process up). */
  private wake(): void {
    if (this.closed || this.timer || this.followed.size === 0) return;
    // Armed by a launch inside its request; the rounds belong to no request (their lines name
    // the task, not the request that launched it).
    this.timer = outsideRequest(() =>
      setTimeout(() => {
        this.round()
          // Only the store can throw here (Redis unreachable): try again at the next interval.
          .catch((err: unknown) => this.options.onError?.(err, 'task poll'))
          .finally(() => {
            this.timer = undefined;
            this.wake();
          });
      }, this.options.intervalMs),
    );
  }

  /** Reads the followed tasks and starts one poll per kind that is not still busy. */
  private async round(): Promise<void> {
    const ids = [...this.followed].filter((id) => {
      const kind = this.kinds.get(id);
      return kind === undefined || !this.busy.has(kind);
    });
    const read = await Promise.allSettled(ids.map((id) => this.parts.records.get(id)));
    const byKind = new Map<string, PolledTask[]>();
    for (const [i, outcome] of read.entries()) {
      const id = ids[i] as string;
      if (outcome.status === 'rejected') {
        this.options.onError?.(outcome.reason, 'task poll'); // read again next round
        continue;
      }
      const task = outcome.value;
      if (!task || isTerminal(task.status) || !task.poll) {
        await this.stopFollowing(id);
        continue;
      }
      const kind = task.poll.kind;
      this.kinds.set(id, kind);
      if (this.busy.has(kind)) continue;
      const group = byKind.get(kind) ?? [];
      group.push(task as PolledTask);
      byKind.set(kind, group);
    }
    for (const [kind, tasks] of byKind) {
      this.busy.add(kind);
      this.pollKind(kind, tasks)
        .catch((err: unknown) => this.options.onError?.(err, 'task poll'))
        .finally(() => this.busy.delete(kind));
    }
  }

  /** One round of one kind: the vendor reads, then each task's new state. */
  private async pollKind(kind: string, tasks: readonly PolledTask[]): Promise<void> {
    const poller = this.options.pollers[kind];
    const results: PollOutcome[] =
      kind === UNTELLABLE_KIND
        ? tasks.map(() => ({ untellable: true }))
        : poller
          ? await pollTasks(poller, tasks, this.limit)
          : tasks.map(() => undefined);
    await Promise.all(tasks.map((task, i) => this.settle(task, results[i])));
    this.options.onRound?.({ kind, tasks: tasks.length });
  }

  /**
   * Applies one task's poll result (poll-verdict.ts): a new state (a lost write's adopted vendor
   * task among them), a failure within grace, TRACKING_LOST, TASK_TIMEOUT.
   */
  private async settle(task: PolledTask, outcome: PollOutcome): Promise<void> {
    const { records, publish } = this.parts;
    if (outcome && 'failed' in outcome) this.options.onPollError?.(task, outcome.failed);
    const next = nextState(task, outcome, new Date(), this.options);
    if (changed(task, next) || next.poll !== task.poll) {
      if (isTerminal(next.status)) await this.parts.beforeEnd(next);
      await records.save(next);
      publish(next);
    } else if (next.pollFailingSince !== task.pollFailingSince) {
      await records.save(next); // only the failure mark, set or gone: nothing anyone hears about
    }
    if (isTerminal(next.status)) {
      // A lock left behind is stale (its task ended): the next launch on the key frees it.
      if (next.lockKey !== undefined)
        await this.parts.locks
          .release(next.lockKey, next.id)
          .catch((err: unknown) => this.options.onError?.(err, 'lock release'));
      await this.stopFollowing(task.id);
    }
  }

  /** Whether this instance can poll a kind (a vendor's poller, or a write nobody can tell of). */
  private canPoll(kind: string): boolean {
    return kind === UNTELLABLE_KIND || this.options.pollers[kind] !== undefined;
  }

  private async stopFollowing(id: string): Promise<void> {
    this.followed.delete(id);
    this.kinds.delete(id);
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
        this.followed.delete(id);
        this.kinds.delete(id);
      }
      for (const task of await this.parts.records.listLive()) {
        if (this.closed) return;
        if (this.interruptedLaunch(task)) {
          if (await leases.acquire(task.id)) await this.endInterrupted(task);
          continue;
        }
        // Only tasks this instance can poll: another may have endpoints this one lacks.
        if (this.leased.has(task.id) || !task.poll || !this.canPoll(task.poll.kind)) {
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
   * A launch whose instance died between storing the task and storing the vendor's answer:
   * nothing can poll it (no poll spec), and its launch window is over, so no vendor call of it
   * is still running anywhere.
   */
  private interruptedLaunch(task: Task): boolean {
    return (
      task.status === 'QUEUED' &&
      !task.poll &&
      task.launchUntil !== undefined &&
      Date.now() > task.launchUntil.getTime()
    );
  }

  /** Ends an interrupted launch with our code, frees its lock and hands its lease back. */
  private async endInterrupted(task: Task): Promise<void> {
    const { leases } = this.options;
    try {
      const current = await this.parts.records.get(task.id);
      if (!current || !this.interruptedLaunch(current)) return; // answered meanwhile
      const ended = failTask(
        current,
        'LAUNCH_INTERRUPTED',
        'The instance that launched this task stopped before the vendor answered: the vendor may or may not have acted, check the target before trying again',
        new Date(),
      );
      await this.parts.records.save({ ...ended, launchUntil: undefined });
      this.parts.publish(ended);
      if (ended.lockKey !== undefined) await this.parts.locks.release(ended.lockKey, ended.id);
    } finally {
      await leases?.release(task.id);
    }
  }
}
