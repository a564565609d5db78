import { Redis } from 'ioredis';
import { RedisAuditStore } from '../audit/redis-store.ts';
import { RedisSnapshotShare, type RedisSnapshotShareOptions } from '../inventory/redis-share.ts';
import type { StoreProblem } from '../store/readiness.ts';
import { StoreDeadline } from '../store/redis-deadline.ts';
import { redisErrorForLog } from '../store/redis-error.ts';
import { checkPersistence, type RedisPersistence, writeProblem } from '../store/redis-health.ts';
import { createRedisChangeStream, type RedisChangeStream } from './redis-changes.ts';
import { RedisPollLeases, RedisTaskLocks } from './redis-coordination.ts';
import { RedisTaskStore } from './redis-store.ts';

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
 *   readiness          written by /readyz (a write: Redis may answer PING and refuse writes)
 * Every call has a deadline (REDIS_TIMEOUT_MS): past it, or when Redis refuses the connection, it
 * fails with StoreUnavailableError (STORE_UNAVAILABLE on the field that needed it).
 * Change events go through Redis pub/sub on channel `<prefix>taskChanged:<id>`: with their own
 * prefix (REDIS_PREFIX), deployments sharing one Redis see neither each other's tasks nor events.
 *
 * The parts: redis-store.ts (the tasks), redis-coordination.ts (leases and locks),
 * redis-changes.ts (the change stream), redis-deadline.ts (every call's deadline). This file
 * opens the connections and builds the parts on them.
 */

export interface RedisBackplane extends RedisChangeStream {
  readonly store: RedisTaskStore;
  readonly leases: RedisPollLeases;
  readonly locks: RedisTaskLocks;
  /** The audit trail's store (SPEC §11), on the commands connection. */
  readonly audit: RedisAuditStore;
  /** Whether Redis takes a write within the deadline (for /readyz): what keeps it from it. */
  problem(): Promise<StoreProblem | undefined>;
  /** Inventory snapshots shared through Redis (inventory/redis-share.ts), on the same connection. */
  inventoryShare(options: RedisSnapshotShareOptions): RedisSnapshotShare;
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
  /** What Redis keeps across its restart, read once at the first connection (redis-health.ts). */
  readonly onPersistence?: (persistence: RedisPersistence) => void;
}

/**
 * The change stream's connection. It keeps ioredis' queue and re-subscribes its channels on
 * reconnect, so open subscriptions resume (then catch up from the store: onChangesResumed).
 * No ready check: ioredis 5 writes a SUBSCRIBE issued while the connection is still in its
 * handshake at once, and the INFO of the ready check that follows is refused in subscriber
 * mode; the connection is then dropped with that subscription lost (redis/ioredis#2037). A
 * subscriber needs none: Redis serves SUBSCRIBE while it loads its data.
 */
export function createSubscriber(url: string, timeoutMs: number): Redis {
  return new Redis(url, { lazyConnect: false, connectTimeout: timeoutMs, enableReadyCheck: false });
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
  const subscriber = createSubscriber(options.url, timeoutMs);
  // Logged without the failed command's arguments: AUTH's are the password (redisErrorForLog).
  for (const client of [commands, subscriber])
    client.on('error', (err) => options.onError?.(redisErrorForLog(err)));
  const deadline = new StoreDeadline(commands, timeoutMs);
  const subscriberDeadline = new StoreDeadline(subscriber, timeoutMs);
  const store = new RedisTaskStore(commands, options.ttlSeconds, prefix, deadline);
  // Logged, never thrown: the event target and the lock retries run in the background.
  const report = (err: unknown) => options.onError?.(redisErrorForLog(err));
  const leases = new RedisPollLeases(commands, prefix, options.leaseMs, deadline);
  const locks = new RedisTaskLocks(commands, prefix, (id) => store.get(id), deadline, {
    pendingMs: options.lockPendingMs,
    onError: report,
  });
  // An entry without outcome older than a launch's longest vendor call was interrupted.
  const audit = new RedisAuditStore(commands, prefix, deadline, options.lockPendingMs);
  // Concurrent readiness checks share one write.
  let checking: Promise<StoreProblem | undefined> | undefined;
  const problem = () => {
    checking ??= writeProblem(commands, deadline, `${prefix}readiness`).finally(() => {
      checking = undefined;
    });
    return checking;
  };
  const { onPersistence } = options;
  if (onPersistence) {
    const check = () => void checkPersistence(commands, deadline).then(onPersistence);
    if (commands.status === 'ready') check();
    else commands.once('ready', check);
  }
  return {
    store,
    problem,
    inventoryShare: (shareOptions) =>
      new RedisSnapshotShare(commands, prefix, deadline, shareOptions),
    ...createRedisChangeStream({
      publisher: commands,
      subscriber,
      deadline: subscriberDeadline,
      prefix,
      onError: report,
    }),
    leases,
    locks,
    audit,
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
