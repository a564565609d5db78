import { randomUUID } from 'node:crypto';
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { createPubSub, type PubSub } from 'graphql-yoga';
import { Redis } from 'ioredis';
import { conflict, type PollLeases, type TaskLocks } from './coordination.ts';
import { StoreUnavailableError, type TaskStore } from './store.ts';
import type { TaskEvents } from './tracker.ts';
import { isTerminal, type Task } from './types.ts';

/**
 * Scaled-out mode (REDIS_URL): the task store, the change stream, the poller leases and the
 * target locks live in Redis, so any number of instances serve the same tasks.
 *
 * Keys (under `prefix`):
 *   task:<id>          the task as JSON; expires TASK_TTL_SECONDS after completion
 *   tasks              sorted set of task ids by creation time (list); pruned of expired ids
 *   tasks:live         set of ids not yet terminal (what the take-over scan looks at)
 *   lease:<id>         the instance polling the task; PX lease, renewed while it polls
 *   lock:<lockKey>     `pending:<id>` while a launch calls the vendor, then `task:<id>`
 * Every call has a deadline (REDIS_TIMEOUT_MS): past it, or when Redis refuses the connection, it
 * fails with StoreUnavailableError (STORE_UNAVAILABLE on the field that needed it).
 * Change events go through Redis pub/sub on channel `<prefix>taskChanged:<id>`: with their own
 * prefix (REDIS_PREFIX), deployments sharing one Redis see neither each other's tasks nor events.
 */

const DATE_FIELDS = new Set([
  'createdAt',
  'startedAt',
  'completedAt',
  'updatedAt',
  'pollFailingSince',
]);

/** JSON with the task's Dates revived, for the store and the change stream alike. */
export const taskSerializer = {
  stringify: (value: unknown): string => JSON.stringify(value),
  parse: (text: string): unknown =>
    JSON.parse(text, (key, value) =>
      DATE_FIELDS.has(key) && typeof value === 'string' ? new Date(value) : value,
    ),
};

// Compare-and-act scripts: only the holder renews or frees what it holds.
const RENEW =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
const RELEASE =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
// The lock passes from the pending launch to its task; also when Redis lost it meanwhile (restarted).
const CLAIM =
  "local v = redis.call('get', KEYS[1]) if v == false or v == ARGV[1] or v == ARGV[2] then return redis.call('set', KEYS[1], ARGV[2]) else return false end";

/**
 * The deadline of every call on one connection. Commands are not queued while the connection is
 * down (ioredis' offline queue would hold them for ~9 s, or without bound before the first
 * connection, and send stale writes once it is back): a call waits for the connection at most
 * until its deadline, then fails with StoreUnavailableError, like a call Redis does not answer.
 */
export class StoreDeadline {
  private ready: Promise<void> | undefined;

  constructor(
    private readonly redis: Redis,
    readonly ms: number,
  ) {}

  async run<T>(call: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Redis did not answer within ${this.ms} ms`)),
        this.ms,
      );
    });
    try {
      if (this.redis.status !== 'ready') await Promise.race([this.connected(), expired]);
      return await Promise.race([call(), expired]);
    } catch (err) {
      throw err instanceof StoreUnavailableError ? err : new StoreUnavailableError({ cause: err });
    } finally {
      clearTimeout(timer);
    }
  }

  /** One listener however many calls wait (an outage would otherwise pile them up). */
  private connected(): Promise<void> {
    this.ready ??= new Promise<void>((resolve) =>
      this.redis.once('ready', () => {
        this.ready = undefined;
        resolve();
      }),
    );
    return this.ready;
  }
}

export class RedisTaskStore implements TaskStore {
  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds: number,
    private readonly prefix: string,
    private readonly deadline: StoreDeadline,
  ) {}

  get(id: string): Promise<Task | undefined> {
    return this.deadline.run(async () => {
      const text = await this.redis.get(`${this.prefix}task:${id}`);
      return text === null ? undefined : (taskSerializer.parse(text) as Task);
    });
  }

  put(task: Task): Promise<void> {
    return this.deadline.run(() => this.write(task));
  }

  delete(id: string): Promise<void> {
    return this.deadline.run(async () => {
      await this.redis
        .multi()
        .del(`${this.prefix}task:${id}`)
        .zrem(`${this.prefix}tasks`, id)
        .srem(`${this.prefix}tasks:live`, id)
        .exec();
    });
  }

  list(): Promise<Task[]> {
    return this.deadline.run(async () =>
      this.load(`${this.prefix}tasks`, await this.redis.zrange(`${this.prefix}tasks`, 0, -1)),
    );
  }

  listLive(): Promise<Task[]> {
    const live = `${this.prefix}tasks:live`;
    return this.deadline.run(async () => this.load(live, await this.redis.smembers(live)));
  }

  private async write(task: Task): Promise<void> {
    const key = `${this.prefix}task:${task.id}`;
    const text = taskSerializer.stringify(task);
    const tx = this.redis.multi();
    if (task.completedAt) {
      const left = task.completedAt.getTime() + this.ttlSeconds * 1000 - Date.now();
      tx.set(key, text, 'PX', Math.max(1, left));
    } else {
      tx.set(key, text);
    }
    tx.zadd(`${this.prefix}tasks`, task.createdAt.getTime(), task.id);
    if (isTerminal(task.status)) tx.srem(`${this.prefix}tasks:live`, task.id);
    else tx.sadd(`${this.prefix}tasks:live`, task.id);
    await tx.exec();
  }

  /** The tasks of `ids`; ids whose task expired are dropped from `index`. */
  private async load(index: string, ids: string[]): Promise<Task[]> {
    if (ids.length === 0) return [];
    const texts = await this.redis.mget(ids.map((id) => `${this.prefix}task:${id}`));
    const tasks: Task[] = [];
    const gone: string[] = [];
    texts.forEach((text, i) => {
      if (text === null) gone.push(ids[i]!);
      else tasks.push(taskSerializer.parse(text) as Task);
    });
    if (gone.length > 0) {
      if (index.endsWith(':live')) await this.redis.srem(index, ...gone);
      else await this.redis.zrem(index, ...gone);
    }
    return tasks;
  }
}

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
        // Another launch is calling the vendor; its key turns into `task:<id>` or vanishes.
        if (Date.now() > until) throw new Error(`lock ${lockKey} stayed pending`);
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
    await this.deadline.run(() => this.redis.eval(RELEASE, 1, key, `task:${taskId}`));
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

export interface RedisBackplane {
  readonly store: RedisTaskStore;
  readonly pubsub: PubSub<TaskEvents>;
  readonly leases: RedisPollLeases;
  readonly locks: RedisTaskLocks;
  /**
   * Resolves once every SUBSCRIBE sent so far is acknowledged (see TaskTracker `changesReady`);
   * StoreUnavailableError past the deadline.
   */
  changesReady(): Promise<void>;
  /** Whether Redis answers a PING within the deadline (for /readyz). */
  ready(): Promise<boolean>;
  /**
   * Calls `listener` each time the change stream's connection is back after a loss: changes
   * published meanwhile never arrive (pub/sub keeps nothing), so watchers re-read the store.
   */
  onChangesResumed(listener: () => void): void;
  close(): Promise<void>;
}

export interface RedisBackplaneOptions {
  readonly url: string;
  readonly ttlSeconds: number;
  readonly leaseMs: number;
  readonly lockPendingMs: number;
  /** Key and channel prefix (REDIS_PREFIX), so that several deployments can share one Redis. */
  readonly prefix?: string;
  /** Deadline of every Redis call (REDIS_TIMEOUT_MS); default 2000. */
  readonly timeoutMs?: number;
  readonly onError?: (err: unknown) => void;
}

/** The Redis connections (commands, publish, subscribe) and everything built on them. */
export function createRedisBackplane(options: RedisBackplaneOptions): RedisBackplane {
  const prefix = options.prefix ?? 'plugin-graph:';
  const timeoutMs = options.timeoutMs ?? 2_000;
  // Commands and publishes share one connection; a subscribed connection can do nothing else.
  // Commands are never queued nor re-sent: a write that failed its deadline must not land later.
  const commands = new Redis(options.url, {
    lazyConnect: false,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    commandTimeout: timeoutMs,
    connectTimeout: timeoutMs,
  });
  // The subscriber keeps ioredis' queue and re-subscribes its channels on reconnect, so open
  // subscriptions resume (then catch up from the store: onChangesResumed).
  const subscriber = new Redis(options.url, { lazyConnect: false, connectTimeout: timeoutMs });
  for (const client of [commands, subscriber]) client.on('error', (err) => options.onError?.(err));
  const deadline = new StoreDeadline(commands, timeoutMs);
  const subscriberDeadline = new StoreDeadline(subscriber, timeoutMs);
  const store = new RedisTaskStore(commands, options.ttlSeconds, prefix, deadline);
  // The event target fires PUBLISH, SUBSCRIBE and UNSUBSCRIBE without awaiting them: catch their
  // failures (Redis gone, connection closed at shutdown) so that they are logged, not unhandled
  // rejections that would end the process. A change lost that way is followed by the next one.
  const report = (err: unknown) => options.onError?.(err);
  // Channels carry the prefix on the wire; the event target sees them without it.
  const publishClient = {
    publish: (channel: string, message: string) =>
      commands.publish(prefix + channel, message).catch(report),
  };
  const subscribeClient = {
    on: (event: 'message', listener: (channel: string, message: string) => void) =>
      subscriber.on(event, (channel: string, message: string) => {
        if (channel.startsWith(prefix)) listener(channel.slice(prefix.length), message);
      }),
    subscribe: (channel: string) => subscriber.subscribe(prefix + channel).catch(report),
    unsubscribe: (channel: string) => subscriber.unsubscribe(prefix + channel).catch(report),
  };
  const leases = new RedisPollLeases(commands, prefix, options.leaseMs, deadline);
  const locks = new RedisTaskLocks(commands, prefix, (id) => store.get(id), deadline, {
    pendingMs: options.lockPendingMs,
    onError: report,
  });
  // Concurrent readiness checks share one PING.
  let checking: Promise<boolean> | undefined;
  const ready = () => {
    checking ??= deadline
      .run(() => commands.ping())
      .then(
        () => true,
        () => false,
      )
      .finally(() => {
        checking = undefined;
      });
    return checking;
  };
  return {
    store,
    ready,
    pubsub: createPubSub<TaskEvents>({
      eventTarget: createRedisEventTarget({
        // Only these methods are used (see @graphql-yoga/redis-event-target).
        publishClient: publishClient as unknown as Redis,
        subscribeClient: subscribeClient as unknown as Redis,
        serializer: taskSerializer,
      }),
    }),
    leases,
    locks,
    // Redis answers a connection's commands in order: once this PING is answered, every
    // SUBSCRIBE sent before it on the subscriber connection is in force.
    onChangesResumed: (listener) => {
      // ioredis re-subscribes on reconnect before it reports `ready`; the first `ready` is the
      // initial connection, when there is nothing to catch up on.
      let connectedBefore = subscriber.status === 'ready';
      subscriber.on('ready', () => {
        if (connectedBefore) listener();
        connectedBefore = true;
      });
    },
    changesReady: async () => {
      await subscriberDeadline.run(() => subscriber.ping());
    },
    async close() {
      locks.close();
      // QUIT waits for an answer a hung Redis never gives: bounded, then the sockets are cut.
      const quit = async (client: Redis, bounded: StoreDeadline) => {
        if (client.status !== 'ready') return client.disconnect();
        await bounded.run(() => client.quit()).catch(() => client.disconnect());
      };
      await Promise.allSettled([quit(commands, deadline), quit(subscriber, subscriberDeadline)]);
    },
  };
}
