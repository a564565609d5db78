import { randomUUID } from 'node:crypto';
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { createPubSub, type PubSub } from 'graphql-yoga';
import { Redis } from 'ioredis';
import { conflict, type PollLeases, type TaskLocks } from './coordination.ts';
import type { TaskStore } from './store.ts';
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
 *   lock:<lockKey>     `pending:<uuid>` while a launch calls the vendor, then `task:<id>`
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
const SWAP =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('set', KEYS[1], ARGV[2]) else return false end";

export class RedisTaskStore implements TaskStore {
  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds: number,
    private readonly prefix: string,
  ) {}

  async get(id: string): Promise<Task | undefined> {
    const text = await this.redis.get(`${this.prefix}task:${id}`);
    return text === null ? undefined : (taskSerializer.parse(text) as Task);
  }

  async put(task: Task): Promise<void> {
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

  async list(): Promise<Task[]> {
    return this.load(`${this.prefix}tasks`, await this.redis.zrange(`${this.prefix}tasks`, 0, -1));
  }

  async listLive(): Promise<Task[]> {
    const live = `${this.prefix}tasks:live`;
    return this.load(live, await this.redis.smembers(live));
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
    /** Who this instance is, in the lease value. */
    private readonly owner: string = randomUUID(),
  ) {}

  async acquire(taskId: string): Promise<boolean> {
    const ok = await this.redis.set(this.key(taskId), this.owner, 'PX', this.ttlMs, 'NX');
    return ok === 'OK';
  }

  async renew(taskIds: readonly string[]): Promise<string[]> {
    if (taskIds.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of taskIds) pipeline.eval(RENEW, 1, this.key(id), this.owner, this.ttlMs);
    const results = (await pipeline.exec()) ?? [];
    // A failed command counts as lost too: better a take-over than two pollers.
    return taskIds.filter((_, i) => {
      const [err, renewed] = results[i] ?? [new Error('no reply'), 0];
      return err !== null || renewed !== 1;
    });
  }

  async release(taskId: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.key(taskId), this.owner);
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
}

/**
 * A lock key per `lockKey`, valid across instances. While the first launch calls the vendor the
 * key holds `pending:<uuid>` (expiring, in case that instance dies), then `task:<id>` until the
 * task ends. A second launch waits out a pending holder, then gets ConflictError with the
 * running task; a key whose task has ended or expired is stale and taken over.
 */
export class RedisTaskLocks implements TaskLocks {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly getTask: (id: string) => Promise<Task | undefined>,
    private readonly options: RedisTaskLocksOptions,
  ) {}

  async hold(lockKey: string, begin: () => Promise<Task>): Promise<Task> {
    const key = `${this.prefix}lock:${lockKey}`;
    const pending = `pending:${randomUUID()}`;
    const until = Date.now() + this.options.pendingMs;
    for (;;) {
      if ((await this.redis.set(key, pending, 'PX', this.options.pendingMs, 'NX')) === 'OK') break;
      const holder = await this.redis.get(key);
      if (holder?.startsWith('task:')) {
        const taskId = holder.slice('task:'.length);
        const task = await this.getTask(taskId);
        if (task && !isTerminal(task.status)) throw conflict(taskId);
        await this.redis.eval(RELEASE, 1, key, holder); // stale: the task ended
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
      await this.redis.eval(RELEASE, 1, key, pending);
      throw err;
    }
    if (isTerminal(task.status)) await this.redis.eval(RELEASE, 1, key, pending);
    else await this.redis.eval(SWAP, 1, key, pending, `task:${task.id}`);
    return task;
  }

  async release(lockKey: string, taskId: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, `${this.prefix}lock:${lockKey}`, `task:${taskId}`);
  }
}

export interface RedisBackplane {
  readonly store: RedisTaskStore;
  readonly pubsub: PubSub<TaskEvents>;
  readonly leases: RedisPollLeases;
  readonly locks: RedisTaskLocks;
  /** Resolves once every SUBSCRIBE sent so far is acknowledged (see TaskTracker `changesReady`). */
  changesReady(): Promise<void>;
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
  readonly onError?: (err: unknown) => void;
}

/** The Redis connections (commands, publish, subscribe) and everything built on them. */
export function createRedisBackplane(options: RedisBackplaneOptions): RedisBackplane {
  const prefix = options.prefix ?? 'plugin-graph:';
  // Commands and publishes share one connection; a subscribed connection can do nothing else.
  const commands = new Redis(options.url, { lazyConnect: false });
  const subscriber = new Redis(options.url, { lazyConnect: false });
  for (const client of [commands, subscriber]) client.on('error', (err) => options.onError?.(err));
  const store = new RedisTaskStore(commands, options.ttlSeconds, prefix);
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
  return {
    store,
    pubsub: createPubSub<TaskEvents>({
      eventTarget: createRedisEventTarget({
        // Only these methods are used (see @graphql-yoga/redis-event-target).
        publishClient: publishClient as unknown as Redis,
        subscribeClient: subscribeClient as unknown as Redis,
        serializer: taskSerializer,
      }),
    }),
    leases: new RedisPollLeases(commands, prefix, options.leaseMs),
    locks: new RedisTaskLocks(commands, prefix, (id) => store.get(id), {
      pendingMs: options.lockPendingMs,
    }),
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
      await subscriber.ping();
    },
    async close() {
      await Promise.allSettled([commands.quit(), subscriber.quit()]);
    },
  };
}
