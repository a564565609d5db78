import type { RedisConnections } from '../store/redis.ts';
import { redisErrorForLog } from '../store/redis-error.ts';
import { createRedisChangeStream, type RedisChangeStream } from './redis-changes.ts';
import { RedisPollLeases, RedisTaskLocks } from './redis-coordination.ts';
import { RedisTaskStore } from './redis-store.ts';

/**
 * Scaled-out mode (REDIS_URL): the task store, the change stream, the poller leases and the
 * target locks live in Redis, so any number of instances serve the same tasks. Built on the
 * connections of store/redis.ts (runtime.ts opens them), whose deadline every call runs under.
 *
 * Keys (under `prefix`):
 *   task:<id>          the task as JSON; expires TASK_TTL_SECONDS after completion
 *   tasks              sorted set of task ids by creation time (list); pruned of expired ids
 *   tasks:live         set of ids not yet terminal (what the take-over scan looks at)
 *   lease:<id>         the instance polling the task; PX lease, renewed while it polls
 *   lock:<lockKey>     `pending:<id>` while a launch calls the vendor, then `task:<id>`
 * Change events go through Redis pub/sub on channel `<prefix>taskChanged:<id>`: with their own
 * prefix (REDIS_PREFIX), deployments sharing one Redis see neither each other's tasks nor events.
 *
 * The parts: redis-store.ts (the tasks), redis-coordination.ts (leases and locks),
 * redis-changes.ts (the change stream). This file builds them on the connections.
 */

export interface RedisBackplane extends RedisChangeStream {
  readonly store: RedisTaskStore;
  readonly leases: RedisPollLeases;
  readonly locks: RedisTaskLocks;
  /** Stops the lock retries; the connections are closed by whoever opened them. */
  close(): Promise<void>;
}

export interface RedisBackplaneOptions {
  readonly ttlSeconds: number;
  readonly leaseMs: number;
  readonly lockPendingMs: number;
  readonly onError?: (err: unknown) => void;
}

/** The tasks' Redis parts, on the commands connection (the change stream on its own). */
export function createRedisBackplane(
  redis: RedisConnections,
  options: RedisBackplaneOptions,
): RedisBackplane {
  const { commands, deadline, prefix } = redis;
  const store = new RedisTaskStore(commands, options.ttlSeconds, prefix, deadline);
  // Logged, never thrown: the event target and the lock retries run in the background.
  const report = (err: unknown) => options.onError?.(redisErrorForLog(err));
  const leases = new RedisPollLeases(commands, prefix, options.leaseMs, deadline);
  const locks = new RedisTaskLocks(commands, prefix, (id) => store.get(id), deadline, {
    pendingMs: options.lockPendingMs,
    onError: report,
  });
  return {
    store,
    ...createRedisChangeStream({
      publisher: commands,
      subscriber: redis.subscriber,
      deadline: redis.subscriberDeadline,
      prefix,
      onError: report,
    }),
    leases,
    locks,
    async close() {
      locks.close();
    },
  };
}
