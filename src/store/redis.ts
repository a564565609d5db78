import { Redis } from 'ioredis';
import type { StoreProblem } from './readiness.ts';
import { StoreDeadline } from './redis-deadline.ts';
import { redisErrorForLog } from './redis-error.ts';
import { checkPersistence, type RedisPersistence, writeProblem } from './redis-health.ts';

/**
 * Scaled-out mode (REDIS_URL): the connections every Redis part is built on, opened once;
 * runtime.ts builds the parts on them: the tasks' (tasks/redis.ts: store, leases, locks, change
 * stream), the audit trail's (audit/redis-store.ts) and the inventory's (inventory/redis-share.ts).
 *
 * Every call has a deadline (REDIS_TIMEOUT_MS, redis-deadline.ts): past it, or when Redis refuses
 * the connection, it fails with StoreUnavailableError (STORE_UNAVAILABLE on the field that
 * needed it). The key `<prefix>readiness` is written by /readyz (a write: Redis may answer PING
 * and refuse writes). With their own prefix (REDIS_PREFIX), deployments sharing one Redis see
 * neither each other's keys nor events.
 */
export interface RedisConnections {
  /** Commands and publishes; never queued nor re-sent (a late write must not land). */
  readonly commands: Redis;
  /** The deadline of every call on `commands`. */
  readonly deadline: StoreDeadline;
  /** The change stream's connection: a subscribed connection can do nothing else. */
  readonly subscriber: Redis;
  readonly subscriberDeadline: StoreDeadline;
  /** Key and channel prefix (REDIS_PREFIX). */
  readonly prefix: string;
  /** Whether Redis takes a write within the deadline (for /readyz): what keeps it from it. */
  problem(): Promise<StoreProblem | undefined>;
  close(): Promise<void>;
}

export interface RedisConnectionOptions {
  readonly url: string;
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

/** The Redis connections (commands, publish, subscribe), each with its deadline. */
export function openRedis(options: RedisConnectionOptions): RedisConnections {
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
    commands,
    deadline,
    subscriber,
    subscriberDeadline,
    prefix,
    problem,
    async close() {
      // QUIT waits for an answer a hung Redis never gives: bounded, then the sockets are cut.
      const quit = async (client: Redis, bounded: StoreDeadline) => {
        if (client.status !== 'ready') return client.disconnect();
        await bounded.run(() => client.quit()).catch(() => client.disconnect());
      };
      await Promise.allSettled([quit(commands, deadline), quit(subscriber, subscriberDeadline)]);
    },
  };
}
