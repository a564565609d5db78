import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { StoreUnavailableError } from '../store/errors.ts';
import type { StoreDeadline } from '../store/redis-deadline.ts';
import { conflict, type PollLeases, type TaskLocks } from './coordination.ts';
import { isTerminal, type Task } from './types.ts';

// Compare-and-act scripts: only the holder renews or frees what it holds.
const RENEW =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
const RELEASE =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
// An ended task frees its key, whether its launch got to hand the lock over or died pending.
const RELEASE_EITHER =
  "local v = redis.call('get', KEYS[1]) if v == ARGV[1] or v == ARGV[2] then return redis.call('del', KEYS[1]) else return 0 end";
// The lock passes from the pending launch to its task; also when Redis lost it meanwhile (restarted).
const CLAIM =
  "local v = redis.call('get', KEYS[1]) if v == false or v == ARGV[1] or v == ARGV[2] then return redis.call('set', KEYS[1], ARGV[2]) else return false end";

/** Poller leases under `lease:<id>` (see redis.ts): one instance polls each live task. */
export class RedisPollLeases implements PollLeases {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    readonly ttlMs: number,
    private readonly deadline: StoreDeadline,
    /** Who this instance is, in the lease value. */
    private readonly owner: string = randomUUID(),
  ) {}

  async acquire(taskId: string): Promise<boolean> {
    const ok = await this.deadline.run(() =>
      this.redis.set(this.key(taskId), this.owner, 'PX', this.ttlMs, 'NX'),
    );
    return ok === 'OK';
  }

  async renew(taskIds: readonly string[]): Promise<string[]> {
    if (taskIds.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of taskIds) pipeline.eval(RENEW, 1, this.key(id), this.owner, this.ttlMs);
    const results = (await this.deadline.run(() => pipeline.exec())) ?? [];
    // A failed command counts as lost too: better a take-over than two pollers.
    return taskIds.filter((_, i) => {
      const [err, renewed] = results[i] ?? [new Error('no reply'), 0];
      return err !== null || renewed !== 1;
    });
  }

  async release(taskId: string): Promise<void> {
    await this.deadline.run(() => this.redis.eval(RELEASE, 1, this.key(taskId), this.owner));
  }

  private key(taskId: string): string {
    return `${this.prefix}lease:${taskId}`;
  }
}

export interface RedisTaskLocksOptions {
  /** How long a launch may hold a key before its vendor call returns (an instance dying then). */
  readonly pendingMs: number;
  /** How often a second launch looks again while the first one's vendor call runs. */
  readonly waitEveryMs?: number;
  /** How often a lock update Redis refused after the vendor call is tried again. */
  readonly retryMs?: number;
  readonly onError?: (err: unknown) => void;
}

/**
 * A lock key per `lockKey`, valid across instances. While the first launch calls the vendor the
 * key holds `pending:<id>` (expiring, in case that instance dies), then `task:<id>` until the
 * task ends. A second launch waits out a pending holder, then gets ConflictError with the
 * running task; a key whose task has ended or expired is stale and taken over. Once the vendor
 * has acted the launch never fails on the lock: an update Redis refuses then is retried in the
 * background until Redis takes it (also after a restart that lost the key).
 */
export class RedisTaskLocks implements TaskLocks {
  private readonly retries = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly getTask: (id: string) => Promise<Task | undefined>,
    private readonly deadline: StoreDeadline,
    private readonly options: RedisTaskLocksOptions,
  ) {}

  async hold(lockKey: string, taskId: string, begin: () => Promise<Task>): Promise<Task> {
    const key = `${this.prefix}lock:${lockKey}`;
    const pending = `pending:${taskId}`;
    const until = Date.now() + this.options.pendingMs;
    const call = <T>(run: () => Promise<T>) => this.deadline.run(run);
    for (;;) {
      const taken = await call(() =>
        this.redis.set(key, pending, 'PX', this.options.pendingMs, 'NX'),
      ).catch((err: unknown) => {
        // A SET that timed out may still land: undo it then, or it blocks the key a while.
        void this.settle(RELEASE, key, [pending]);
        throw err;
      });
      if (taken === 'OK') break;
      const holder = await call(() => this.redis.get(key));
      if (holder?.startsWith('task:')) {
        const runningId = holder.slice('task:'.length);
        const task = await this.getTask(runningId);
        if (task && !isTerminal(task.status)) throw conflict(runningId);
        await call(() => this.redis.eval(RELEASE, 1, key, holder)); // stale: the task ended
      } else if (holder !== null) {
        // Another launch is calling the vendor; its key turns into `task:<id>` or vanishes. Past
        // our own launch window it still runs (its instance allows longer calls): that launch's
        // task is stored (QUEUED) before its vendor call, so it is the conflict.
        if (Date.now() > until) throw conflict(holder.slice('pending:'.length));
        await new Promise((r) => setTimeout(r, this.options.waitEveryMs ?? 25));
      }
    }
    let task: Task;
    try {
      task = await begin();
    } catch (err) {
      // Redis failing already: the caller's answer does not wait for it a second time.
      const released = this.settle(RELEASE, key, [pending]);
      if (!(err instanceof StoreUnavailableError)) await released;
      throw err;
    }
    if (isTerminal(task.status)) await this.settle(RELEASE, key, [pending]);
    else await this.settle(CLAIM, key, [pending, `task:${task.id}`]);
    return task;
  }

  async release(lockKey: string, taskId: string): Promise<void> {
    const key = `${this.prefix}lock:${lockKey}`;
    await this.deadline.run(() =>
      this.redis.eval(RELEASE_EITHER, 1, key, `task:${taskId}`, `pending:${taskId}`),
    );
  }

  /** Stops the background retries (shutdown). */
  close(): void {
    this.closed = true;
    for (const timer of this.retries) clearTimeout(timer);
    this.retries.clear();
  }

  /** Runs a lock script now; if Redis refuses, again in the background until it takes it. */
  private async settle(script: string, key: string, args: readonly string[]): Promise<void> {
    try {
      await this.deadline.run(() => this.redis.eval(script, 1, key, ...args));
    } catch (err) {
      this.options.onError?.(err);
      if (this.closed) return;
      const timer = setTimeout(() => {
        this.retries.delete(timer);
        void this.settle(script, key, args);
      }, this.options.retryMs ?? 200);
      timer.unref();
      this.retries.add(timer);
    }
  }
}
