import type { Logger } from 'pino';
import { type App, createApp } from './app.ts';
import { type Authenticate, createAuthenticate, createCallerKey } from './auth.ts';
import { BreakerRegistry } from './backends/breaker.ts';
import { collectPollers, createBackends } from './backends/create.ts';
import type { Backends, EndpointRegistry } from './backends/registry.ts';
import { servedEndpoints } from './config/endpoints.ts';
import type { Config } from './config.ts';
import { InventoryStore } from './inventory/store.ts';
import { logBackendCall } from './ops/backend-call-log.ts';
import { HealthMonitor } from './ops/health.ts';
import { Metrics } from './ops/metrics.ts';
import { createRedisBackplane, type RedisBackplane } from './tasks/redis.ts';
import { MemoryTaskStore } from './tasks/store.ts';
import { TaskTracker } from './tasks/tracker.ts';

export interface Runtime {
  readonly app: App;
  /** Each backend's client, for the resolvers (`endpoints.byBackend`). */
  readonly backends: Backends;
  /** Every endpoint's own client (SPEC §10). */
  readonly endpoints: EndpointRegistry;
  readonly tracker: TaskTracker;
  /** Inbound auth: role from an `Authorization` value (HTTP header, WebSocket connection_init). */
  readonly authenticate: Authenticate;
  /**
   * Drain hook: aborted by `beginShutdown()` (SIGTERM). Open subscriptions then end with an
   * error coded SHUTTING_DOWN (http/live-subscriptions.ts, at the operation level); other
   * long-lived things (the WebSocket server) may listen to it too.
   */
  readonly shutdownSignal: AbortSignal;
  /** Starts the drain of subscriptions; idempotent. `close()` calls it too. */
  beginShutdown(): void;
  /** Stops pollers (handing Redis leases over), closes backend sessions, pools and Redis. */
  close(): Promise<void>;
}

/** Everything a running plugin-graph holds, wired from a parsed config. */
export function createRuntime(config: Config, logger: Logger): Runtime {
  const breakers = new BreakerRegistry({
    ...config.breaker,
    onStateChange: (backend, from, to, endpoint) =>
      logger[to === 'OPEN' ? 'warn' : 'info'](
        { backend, endpoint, from, to },
        `circuit breaker ${to}`,
      ),
  });
  // Read at scrape time: breakers of the configured backends, tasks from whichever store is used.
  const metrics = new Metrics({
    breakers: () => endpoints.all.map((e) => [e.backend, breakers.state(e.name), e.name] as const),
    tasks: () => tracker.list(),
  });
  const endpoints = createBackends(servedEndpoints(config), {
    timeoutMs: config.backendTimeoutMs,
    onCall: (call) => {
      metrics.backendCall(call);
      logBackendCall(logger, call);
    },
    breakers,
  });
  const backends = endpoints.byBackend;
  // How long a launch may hold its target's lock pending, i.e. run its vendor call (whose
  // deadline covers every attempt): past it, a task still waiting for its launch was orphaned.
  const launchWindowMs = 2 * config.backendTimeoutMs;
  // Scaled-out mode: store, change stream, poller leases and target locks shared through Redis.
  const redis: RedisBackplane | undefined = config.redisUrl
    ? createRedisBackplane({
        url: config.redisUrl,
        prefix: config.redisPrefix,
        timeoutMs: config.redisTimeoutMs,
        ttlSeconds: config.taskTtlSeconds,
        // Renewed every third of it; an instance that dies hands its tasks over within one lease.
        leaseMs: Math.max(1_000, 3 * config.taskPollIntervalMs),
        lockPendingMs: launchWindowMs,
        onError: (err) => logger.warn({ err }, 'redis connection error'),
      })
    : undefined;
  // Each endpoint's inventory snapshot; tasks refresh their endpoint's when launched and ended.
  const inventory = new InventoryStore({
    ...config.inventory,
    timeoutMs: config.backendTimeoutMs,
    // Scaled-out mode: one instance refreshes each endpoint; its lease outlives a few periods.
    ...(redis && {
      share: redis.inventoryShare({
        leaseMs: 3 * config.inventory.refreshMs,
        onError: (err) =>
          logger.warn({ err }, 'inventory snapshot sharing failed; reading the vendor'),
      }),
    }),
    onRefreshError: (endpoint, err) =>
      logger.warn(
        { endpoint, code: (err as { code?: unknown }).code },
        'inventory refresh failed; the last snapshot stays',
      ),
  });
  const endpointOfTask = (task: { backend: string; endpoint?: string | undefined }) =>
    task.endpoint ?? task.backend;
  const tracker = new TaskTracker({
    onLaunched: (task) => {
      inventory.changed(endpointOfTask(task));
    },
    beforeEnd: (task) => inventory.changed(endpointOfTask(task)),
    store: redis?.store ?? new MemoryTaskStore(config.taskTtlSeconds),
    ...(redis && {
      pubsub: redis.pubsub,
      leases: redis.leases,
      locks: redis.locks,
      changesReady: redis.changesReady,
      onChangesResumed: redis.onChangesResumed,
    }),
    onError: (err, during) => logger.warn({ err, during }, 'task coordination failed; will retry'),
    pollers: collectPollers(endpoints),
    intervalMs: config.taskPollIntervalMs,
    graceMs: config.taskGraceMs,
    ...(redis && { launchWindowMs }),
    onPollError: (task, err) =>
      logger.warn(
        { taskId: task.id, code: (err as { code?: unknown }).code },
        'task poll failed; will retry',
      ),
  });
  const health = new HealthMonitor(endpoints, undefined, breakers);
  const authenticate = createAuthenticate(config.auth);
  const shutdown = new AbortController();
  const beginShutdown = () => shutdown.abort();
  const app = createApp({
    config,
    endpoints,
    tracker,
    inventory,
    health,
    logger,
    authenticate,
    callerKey: createCallerKey(config.auth),
    shutdown: shutdown.signal,
    metrics,
    ...(redis && { store: { name: 'redis', ready: redis.ready } }),
  });
  return {
    app,
    backends,
    endpoints,
    tracker,
    authenticate,
    shutdownSignal: shutdown.signal,
    beginShutdown,
    async close() {
      beginShutdown();
      await tracker.close();
      await inventory.close();
      await Promise.allSettled(endpoints.all.map((e) => e.client.close()));
      await redis?.close();
    },
  };
}
