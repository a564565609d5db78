import type { Logger } from 'pino';
import { type App, createApp } from './app.ts';
import { MemoryAuditStore } from './audit/memory-store.ts';
import { RedisAuditStore } from './audit/redis-store.ts';
import { SqliteAuditStore } from './audit/sqlite-store.ts';
import { AuditTrail } from './audit/trail.ts';
import { type Authenticate, createAuthenticate, createCallerKey } from './auth/auth.ts';
import { jwtLogEvents } from './auth/jwt.ts';
import { compilePolicy } from './auth/policy.ts';
import { BreakerRegistry } from './backends/breaker.ts';
import { collectPollers, createEndpoints } from './backends/create.ts';
import type { EndpointRegistry } from './backends/registry.ts';
import { servedEndpoints } from './config/endpoints.ts';
import type { Config } from './config/index.ts';
import { RedisApqStore } from './http/apq-redis-store.ts';
import { RedisSnapshotShare } from './inventory/redis-share.ts';
import { InventoryStore } from './inventory/store.ts';
import { logBackendCall } from './ops/backend-call-log.ts';
import { HealthMonitor } from './ops/health.ts';
import { Metrics } from './ops/metrics.ts';
import { createRedisRollouts } from './rollouts/redis.ts';
import { RolloutRunner } from './rollouts/runner.ts';
import { SqliteRolloutStore } from './rollouts/sqlite-store.ts';
import { MemoryRolloutStore } from './rollouts/store.ts';
import { openRedis, type RedisConnections } from './store/redis.ts';
import { logPersistence } from './store/redis-health.ts';
import { openDataDir, type SqliteDatabase } from './store/sqlite.ts';
import { SqliteHealth } from './store/sqlite-health.ts';
import type { TaskPollingOptions } from './tasks/polling.ts';
import { createRedisBackplane, type RedisBackplane } from './tasks/redis.ts';
import { LocalPollLeases, SqliteTaskLocks } from './tasks/sqlite-coordination.ts';
import { SqliteTaskStore } from './tasks/sqlite-store.ts';
import { MemoryTaskStore, type TaskStore } from './tasks/store.ts';
import { TaskTracker } from './tasks/tracker.ts';

export interface Runtime {
  readonly app: App;
  /** Every endpoint with its own client (SPEC §10). */
  readonly endpoints: EndpointRegistry;
  readonly tracker: TaskTracker;
  /** Rollouts (SPEC §13): stored beside the tasks, driven here. */
  readonly rollouts: RolloutRunner;
  /**
   * The data dir's SQLite database when it holds the store (no REDIS_URL, a data dir set): other
   * modules keep their tables in it through this one connection (the file has one writer).
   */
  readonly database?: SqliteDatabase;
  /** The audit trail (SPEC §11): Redis with REDIS_URL, else SQLite in the data dir, else memory. */
  readonly audit: AuditTrail;
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
  /** Stops pollers (handing Redis leases over), closes endpoint sessions, pools, Redis, SQLite. */
  close(): Promise<void>;
}

/** What tests observe of a runtime's background work, as events rather than elapsed time. */
export interface RuntimeHooks {
  /** After each task poll round of one kind (tests count vendor reads per round). */
  readonly onPollRound?: TaskPollingOptions['onRound'];
}

/**
 * Everything a running plugin-graph holds, wired from a parsed config. Throws DataDirError when
 * the data dir cannot hold the SQLite store (or another process holds it).
 */
export function createRuntime(config: Config, logger: Logger, hooks: RuntimeHooks = {}): Runtime {
  const breakers = new BreakerRegistry({
    ...config.breaker,
    onStateChange: (backend, from, to, endpoint) =>
      logger[to === 'OPEN' ? 'warn' : 'info'](
        { backend, endpoint, from, to },
        `circuit breaker ${to}`,
      ),
  });
  // Read at scrape time: breakers of the configured endpoints, tasks from whichever store is used.
  const metrics = new Metrics({
    breakers: () => endpoints.all.map((e) => [e.backend, breakers.state(e.name), e.name] as const),
    tasks: () => tracker.counts(),
    rollouts: () => rollouts.counts(),
  });
  const endpoints = createEndpoints(servedEndpoints(config), {
    timeoutMs: config.backendTimeoutMs,
    maxResponseBytes: config.backendMaxResponseBytes,
    onCall: (call) => {
      metrics.backendCall(call);
      logBackendCall(logger, call);
    },
    breakers,
  });
  // How long a launch may hold its target's lock pending, i.e. run its vendor call (whose
  // deadline covers every attempt): past it, a task still waiting for its launch was orphaned.
  const launchWindowMs = 2 * config.backendTimeoutMs;
  // Scaled-out mode: tasks, audit trail and inventory snapshots shared through Redis, each
  // part on the same connections (store/redis.ts).
  const onRedisError = (err: unknown) => logger.warn({ err }, 'redis connection error');
  const redis: RedisConnections | undefined = config.redisUrl
    ? openRedis({
        url: config.redisUrl,
        prefix: config.redisPrefix,
        timeoutMs: config.redisTimeoutMs,
        onError: onRedisError,
        onPersistence: (persistence) => logPersistence(logger, persistence),
      })
    : undefined;
  // Renewed every third of it; an instance that dies hands its tasks and rollouts over within one.
  const leaseMs = Math.max(1_000, 3 * config.taskPollIntervalMs);
  // The tasks' part: store, change stream, poller leases and target locks.
  const backplane: RedisBackplane | undefined =
    redis &&
    createRedisBackplane(redis, {
      ttlSeconds: config.taskTtlSeconds,
      leaseMs,
      lockPendingMs: launchWindowMs,
      onError: onRedisError,
    });
  // Each endpoint's inventory snapshot; tasks refresh their endpoint's when launched and ended.
  const inventory = new InventoryStore({
    ...config.inventory,
    timeoutMs: config.backendTimeoutMs,
    // Scaled-out mode: one instance refreshes each endpoint; its lease outlives a few periods.
    ...(redis && {
      share: new RedisSnapshotShare(redis.commands, redis.prefix, redis.deadline, {
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
  // Otherwise the durable embedded store when a data dir is set (SPEC §11), else memory.
  const sqlite = redis ? undefined : openSqliteStore(config, launchWindowMs, logger);
  const store: TaskStore =
    backplane?.store ?? sqlite?.store ?? new MemoryTaskStore(config.taskTtlSeconds);
  const endpointOfTask = (task: { backend: string; endpoint?: string | undefined }) =>
    task.endpoint ?? task.backend;
  const tracker = new TaskTracker({
    store,
    // The endpoint's inventory snapshot refreshes when a task is launched, and before its end is
    // stored and published (the caller's own change is visible once its task ends).
    onLaunched: (task) => {
      // Inside the mutation's request: the line carries its reqId (request/scope.ts).
      logger.info(
        { taskId: task.id, endpoint: endpointOfTask(task), operation: task.operation },
        'task launched',
      );
      inventory.changed(endpointOfTask(task));
    },
    beforeEnd: (task) => inventory.changed(endpointOfTask(task)),
    ...(sqlite && { leases: sqlite.leases, locks: sqlite.locks, launchWindowMs }),
    ...(backplane && {
      pubsub: backplane.pubsub,
      leases: backplane.leases,
      locks: backplane.locks,
      changesReady: backplane.changesReady,
      onChangesResumed: backplane.onChangesResumed,
    }),
    onError: (err, during) => logger.warn({ err, during }, 'task coordination failed; will retry'),
    pollers: collectPollers(endpoints),
    intervalMs: config.taskPollIntervalMs,
    ...(hooks.onPollRound && { onRound: hooks.onPollRound }),
    graceMs: config.taskGraceMs,
    maxDurationMs: config.taskMaxDurationMs,
    onOutcomeUnknown: (task, err) =>
      logger.warn(
        { taskId: task.id, endpoint: endpointOfTask(task), code: (err as { code?: unknown }).code },
        'vendor write sent but its answer lost: task kept (OUTCOME_UNKNOWN) until the vendor state tells',
      ),
    ...(backplane && { launchWindowMs }),
    onPollError: (task, err) =>
      logger.warn(
        { taskId: task.id, code: (err as { code?: unknown }).code },
        'task poll failed; will retry',
      ),
  });
  const audit = createAuditTrail(config, logger, launchWindowMs, redis, sqlite);
  // Rollouts beside the tasks: Redis (one instance drives each, under a lease as long as the
  // tasks' poller leases), else the data dir's SQLite, else memory.
  const sharedRollouts =
    redis &&
    createRedisRollouts(redis, {
      leaseMs,
      onError: onRedisError,
    });
  const rollouts = new RolloutRunner({
    store:
      sharedRollouts?.store ??
      (sqlite ? new SqliteRolloutStore(sqlite.database) : new MemoryRolloutStore()),
    ...(sharedRollouts && { shared: sharedRollouts.shared, pubsub: sharedRollouts.pubsub }),
    tracker,
    maxUnits: config.rolloutMaxUnits,
    onError: (err, during) => logger.warn({ err, during }, 'rollout step failed'),
  });
  const health = new HealthMonitor(endpoints, undefined, breakers);
  const authenticate = createAuthenticate(config.auth, jwtLogEvents(logger));
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
    audit,
    rollouts,
    // PLUGIN_GRAPH_POLICY_FILE (SPEC §14): compiled once, read by every request.
    policy: compilePolicy(config.policy),
    // Readiness (SPEC §3): this instance's store, whichever it is; memory cannot fail.
    ...(redis && { store: { problem: redis.problem } }),
    ...(sqlite && { store: { problem: async () => sqlite.health.check() } }),
    // Scaled-out mode: a document registered through one instance is found by every other.
    ...(redis && { apqStore: new RedisApqStore(redis.commands, redis.prefix, redis.deadline) }),
  });
  return {
    app,
    endpoints,
    tracker,
    rollouts,
    ...(sqlite && { database: sqlite.database }),
    audit,
    authenticate,
    shutdownSignal: shutdown.signal,
    beginShutdown,
    async close() {
      beginShutdown();
      await rollouts.close();
      await tracker.close();
      await inventory.close();
      await Promise.allSettled(endpoints.all.map((e) => e.client.close()));
      await audit.close();
      await backplane?.close();
      await redis?.close();
      sqlite?.health.close();
      sqlite?.dataDir.close();
    },
  };
}

/**
 * The SQLite store in `config.dataDir`: tasks, conflict locks, and leases that resume at start-up
 * every task left live by a restart. Undefined without a data dir (memory).
 */
function openSqliteStore(config: Config, launchWindowMs: number, logger: Logger) {
  if (config.dataDir === undefined) return undefined;
  // The data dir's lock first: a second process is refused while this one lives.
  const dataDir = openDataDir(config.dataDir);
  const { database, file } = dataDir;
  try {
    // Every write's outcome and the file's identity, for /readyz; each change logged once.
    const health = new SqliteHealth(database, {
      file,
      identity: dataDir.identity,
      onProblem: (problem) =>
        logger.error({ ...problem, file }, 'task store cannot do its job: /readyz is 503'),
      onRecovered: (was) =>
        logger.info({ store: was.store, was: was.code }, 'task store writes again: ready'),
    });
    const store = new SqliteTaskStore(database, config.taskTtlSeconds, Date.now, health);
    const locks = new SqliteTaskLocks(database, store, {
      pendingMs: launchWindowMs,
      onError: (err) => logger.warn({ err }, 'task lock update failed'),
      writes: health,
    });
    // The take-over scan runs every third of this: resumed tasks and ended launches are found.
    const leases = new LocalPollLeases(Math.max(1_000, 3 * config.taskPollIntervalMs));
    health.start();
    return { dataDir, database, health, store, locks, leases };
  } catch (err) {
    dataDir.close();
    throw err;
  }
}

/**
 * Where the audit trail lives: Redis with REDIS_URL (shared by every instance), else SQLite in
 * PLUGIN_GRAPH_DATA_DIR (the task store's database: the file has one writer; survives restarts),
 * else memory (demo mode). An entry without outcome older than the launch window reads FAILED /
 * INTERRUPTED (audit/types.ts `settle`).
 */
function createAuditTrail(
  config: Config,
  logger: Logger,
  launchWindowMs: number,
  redis: RedisConnections | undefined,
  sqlite: { database: SqliteDatabase; health: SqliteHealth } | undefined,
): AuditTrail {
  // In Redis, an entry without outcome older than a launch's longest vendor call was interrupted.
  const store = redis
    ? new RedisAuditStore(redis.commands, redis.prefix, redis.deadline, launchWindowMs)
    : sqlite
      ? new SqliteAuditStore(sqlite.database, launchWindowMs, Date.now, sqlite.health)
      : new MemoryAuditStore(launchWindowMs);
  return new AuditTrail({
    store,
    logger,
    secrets: config.secrets,
    retentionDays: config.auditRetentionDays,
  });
}
