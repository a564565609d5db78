import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startApplianceSimulator } from '../src/backends/appliance/simulator.ts';
import { startHssSimulator } from '../src/backends/hss/simulator.ts';
import { startKorapSimulator } from '../src/backends/korap/simulator.ts';
import { startSdmSimulator } from '../src/backends/sdm/simulator.ts';
import { freePort } from '../src/backends/simulator/free-port.ts';
import type { Fault, SimulatorServer } from '../src/backends/simulator/server.ts';
import { startZstackSimulator } from '../src/backends/zstack/simulator.ts';
import { environmentFor } from '../src/demo.ts';
import { HAVE_REDIS, type RedisServer, startRedis } from '../test/redis/redis-server.ts';

/**
 * `npm run soak` (not part of `npm test`): the real server process against the five simulators,
 * mixed queries, mutations and taskProgress subscriptions from SOAK_CONCURRENCY workers, with
 * random vendor faults (hang, 5xx, malformed body, dropped connection, latency, expired sessions)
 * for SOAK_SECONDS (default 120). Then faults are lifted, every task must reach a terminal state,
 * and SIGTERM must drain the server to exit 0.
 *
 * Where redis-server is installed (SOAK_REDIS=0 turns it off), the server runs in scaled-out mode
 * on a persisted redis-server that hangs (SIGSTOP) or restarts every SOAK_REDIS_OUTAGE_EVERY_MS
 * (mean, default 8000) for up to 2 s, during the mutations. Then every write the appliance and
 * KorAP performed must belong to a task a caller got (no vendor write without a stored task; their
 * write calls get no vendor faults, which could hide a performed write), and a task read failing
 * with STORE_UNAVAILABLE is asked again later, not counted lost.
 *
 * Reports requests, errors by code, memory at start and end, tasks started vs finished. Memory
 * is the server's live heap after each full (mark-compact) GC, read from `--trace-gc`: RSS alone
 * only shows how lazily V8 collects. Exits 1 if the server died, a task was lost (it vanished or
 * never reached a terminal state), or the live heap grew by more than SOAK_MAX_GROWTH_MB
 * (default 32) from the end of the warm-up to the end.
 */

const SECONDS = Number(process.env.SOAK_SECONDS ?? 120);
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 8);
const MAX_GROWTH_MB = Number(process.env.SOAK_MAX_GROWTH_MB ?? 32);
/** Mean time between two random faults. */
const FAULT_EVERY_MS = Number(process.env.SOAK_FAULT_EVERY_MS ?? 1_500);
const OPERATOR = 'soak-operator-token';
const VIEWER = 'soak-viewer-token';
const TERMINAL = new Set(['SUCCESS', 'ERROR', 'CANCELLED']);
const WITH_REDIS = process.env.SOAK_REDIS !== '0' && (HAVE_REDIS || process.env.SOAK_REDIS === '1');
const REDIS_OUTAGE_EVERY_MS = Number(process.env.SOAK_REDIS_OUTAGE_EVERY_MS ?? 8_000);
/** Writes never faulted: each one the vendor performs must be matched to a task. */
const COUNTED_WRITES: Record<string, RegExp> = {
  appliance: /\/actions\/install$/,
  korap: /\/plugins\/(un)?install$/,
};

const counts = {
  requests: 0,
  byOperation: new Map<string, number>(),
  errorsByCode: new Map<string, number>(),
  outcomes: new Map<string, number>(),
  http: new Map<number, number>(),
  subscriptions: { opened: 0, completed: 0, shuttingDown: 0, failed: 0 },
  faults: new Map<string, number>(),
};
const tasks = new Set<string>();

const bump = <K>(map: Map<K, number>, key: K, by = 1) => map.set(key, (map.get(key) ?? 0) + by);
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;

/** Resident memory of a process in MB (Linux /proc); undefined elsewhere. */
function rssMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+)/.exec(status)?.[1];
    return kb ? Math.round(Number(kb) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

interface GqlResult {
  data?: Record<string, unknown> | null;
  errors?: { extensions?: { code?: string } }[];
}

async function main(): Promise<void> {
  const [sdm, zstack, hss, appliance, korap] = await Promise.all([
    startSdmSimulator({ stepMs: 50 }),
    startZstackSimulator({ stepMs: 50, pollsPerJob: 1 }),
    startHssSimulator({ stepMs: 50 }),
    startApplianceSimulator({ installMs: 300, retrieveMs: 20 }),
    startKorapSimulator(),
  ]);
  const sims: Record<string, { server: SimulatorServer; close(): Promise<void> }> = {
    sdm,
    zstack,
    hss,
    appliance,
    korap,
  };
  const b = {
    sdm: sdm.config(),
    zstack: zstack.config(),
    hss: hss.config(),
    appliance: appliance.config(),
    korap: korap.config(),
  };
  const redisDir = WITH_REDIS ? mkdtempSync(join(tmpdir(), 'plugin-graph-soak-')) : undefined;
  // Persisted, so that a restart keeps the tasks: an outage, not a data loss.
  const redis: RedisServer | undefined = redisDir ? await startRedis({ dir: redisDir }) : undefined;
  const port = await freePort();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    PORT: String(port),
    LOG_LEVEL: 'warn',
    PLUGIN_GRAPH_TOKENS: `${OPERATOR}=operator,${VIEWER}=viewer`,
    BACKEND_TIMEOUT_MS: '1000',
    BACKEND_BREAKER_COOLDOWN_MS: '1000',
    TASK_POLL_INTERVAL_MS: '100',
    TASK_TRACKING_GRACE_MS: '5000',
    // Finished tasks are forgotten after 20 s (production: a day), so the store reaches its
    // steady size within the warm-up; each task is checked until terminal while it is kept.
    TASK_TTL_SECONDS: '20',
    ...(redis && { REDIS_URL: redis.url, REDIS_TIMEOUT_MS: '500' }),
    ...environmentFor(b),
  };
  const server: ChildProcess = spawn(
    process.execPath,
    ['--trace-gc', '--import', 'tsx', 'src/server.ts'],
    {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-20_000);
  };
  /**
   * Live heap (MB) after each mark-compact, per isolate (the loader's worker thread has its own):
   * `[pid:0x…]  1234 ms: Mark-Compact 61.2 (80.1) -> 30.4 (79.0) MB, …`.
   */
  const liveHeap: { at: number; isolate: string; mb: number }[] = [];
  let partial = '';
  server.stdout?.on('data', (d: Buffer) => {
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const gc = /^\[([^\]]+)\].*Mark-Compact[^\n]*?->\s*([\d.]+)/.exec(line);
      if (gc) liveHeap.push({ at: Date.now(), isolate: gc[1] ?? '', mb: Number(gc[2]) });
      else if (!line.includes('Scavenge')) keep(Buffer.from(`${line}\n`));
    }
  });
  server.stderr?.on('data', keep);
  let died = false;
  let expectedExit = false;
  const exited = once(server, 'exit');
  void exited.then(() => {
    if (!expectedExit) died = true;
  });
  const url = `http://127.0.0.1:${port}/graphql`;
  for (const until = Date.now() + 20_000; ; ) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (died || Date.now() > until) throw new Error(`server did not start:\n${output}`);
    await sleep(100);
  }

  const gql = async (
    operation: string,
    query: string,
    variables?: Record<string, unknown>,
    token = OPERATOR,
  ): Promise<GqlResult | undefined> => {
    counts.requests++;
    bump(counts.byOperation, operation);
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(15_000),
      });
      bump(counts.http, res.status);
      const body = (await res.json()) as GqlResult;
      for (const e of body.errors ?? []) bump(counts.errorsByCode, e.extensions?.code ?? 'NONE');
      return body;
    } catch (err) {
      bump(counts.errorsByCode, `CLIENT_${(err as Error).name}`);
      return undefined;
    }
  };

  // Ids to act on, from the graph itself.
  const listing = await gql(
    'plugins',
    '{ plugins(first: 100) { edges { node { id backend nativeId } } } }',
  );
  const plugins = (
    (
      listing?.data?.plugins as {
        edges: { node: { id: string; backend: string; nativeId: string } }[];
      }
    )?.edges ?? []
  ).map((e) => e.node);
  const of = (backend: string) => plugins.filter((p) => p.backend === backend);
  if (of('SDM').length === 0 || of('ZSTACK').length === 0 || of('KORAP').length === 0)
    throw new Error(`could not list plugins: ${JSON.stringify(listing)}`);

  /** The appliance's own ids of the installs callers got a task for. */
  const acceptedInstalls = new Set<string>();
  let korapTasks = 0;
  const recordTask = (result: GqlResult | undefined, field: string) => {
    const payload = result?.data?.[field] as {
      __typename?: string;
      task?: { id: string; nativeId?: string | null };
    } | null;
    bump(counts.outcomes, `${field}:${payload?.__typename ?? 'error'}`);
    if (payload?.task?.id) tasks.add(payload.task.id);
    if (payload?.__typename === 'InstallUpdatePayload' && payload.task?.nativeId)
      acceptedInstalls.add(payload.task.nativeId);
    if (payload?.task && /SuperClientPlugin$/.test(field)) korapTasks++;
    return payload?.task?.id;
  };
  const result = (name: string) =>
    `{ __typename ... on ${name}Payload { task { id } } ... on ConflictError { task { id } } }`;

  const operations: (() => Promise<unknown>)[] = [
    () =>
      gql(
        'catalog',
        `{ plugins(first: 50) { edges { node { id name status installations { id status host { name } } } } }
           hosts(first: 50) { edges { node { id status } } } }`,
        undefined,
        VIEWER,
      ),
    () => gql('installations', '{ installations(first: 100) { edges { node { id status } } } }'),
    () => gql('updates', '{ updates { version } backends { backend reachable breaker } }'),
    () =>
      gql(
        'tasks',
        '{ tasks(first: 20) { edges { node { id status progress } } } }',
        undefined,
        VIEWER,
      ),
    async () =>
      recordTask(
        await gql(
          'performPluginAction',
          `mutation($id: ID!, $a: PluginAction!) { performPluginAction(input: { pluginId: $id, action: $a }) ${result('PerformPluginAction')} }`,
          { id: pick(of('SDM')).id, a: pick(['INSTALL', 'UNINSTALL']) },
        ),
        'performPluginAction',
      ),
    async () => {
      const field = pick(['startPlugin', 'stopPlugin']);
      const type = field === 'startPlugin' ? 'StartPlugin' : 'StopPlugin';
      return recordTask(
        await gql(
          field,
          `mutation { ${field}(input: { pluginCode: "ndr", operateAll: true }) ${result(type)} }`,
        ),
        field,
      );
    },
    async () =>
      recordTask(
        await gql(
          'refreshPluginDrivers',
          `mutation { refreshPluginDrivers(input: {}) ${result('RefreshPluginDrivers')} }`,
        ),
        'refreshPluginDrivers',
      ),
    async () =>
      recordTask(
        await gql(
          'installUpdate',
          `mutation { installUpdate(input: { version: "9.0.3.0" }) { __typename
             ... on InstallUpdatePayload { task { id nativeId } } ... on ConflictError { task { id } } } }`,
        ),
        'installUpdate',
      ),
    async () => {
      const field = pick(['installSuperClientPlugin', 'uninstallSuperClientPlugin']);
      const type = field[0]?.toUpperCase() + field.slice(1);
      return recordTask(
        await gql(
          field,
          `mutation($c: String!) { ${field}(input: { clientId: $c }) ${result(type)} }`,
          { c: pick(of('KORAP')).nativeId },
        ),
        field,
      );
    },
    () => {
      // A viewer's mutation: refused, never reaching a backend.
      return gql(
        'viewerMutation',
        `mutation { installUpdate(input: { version: "9.0.3.0" }) { __typename } }`,
        undefined,
        VIEWER,
      );
    },
    () => subscribe(),
  ];

  /** Follows a random known task over SSE to its end (or 20 s). */
  async function subscribe(): Promise<void> {
    const id = pick([...tasks]);
    if (!id) return;
    counts.subscriptions.opened++;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'text/event-stream',
          authorization: `Bearer ${VIEWER}`,
        },
        body: JSON.stringify({
          query: 'subscription($id: ID!) { taskProgress(id: $id) { status progress } }',
          variables: { id },
        }),
        signal: AbortSignal.timeout(20_000),
      });
      const text = await res.text();
      if (text.includes('SHUTTING_DOWN')) counts.subscriptions.shuttingDown++;
      if (text.includes('event: complete')) counts.subscriptions.completed++;
    } catch {
      counts.subscriptions.failed++;
    }
  }

  // Random faults on random backends, each for a few requests or a short while.
  const faultKinds: { name: string; fault?: Fault; expire?: boolean }[] = [
    { name: 'hang', fault: { kind: 'hang' } },
    { name: '5xx', fault: { kind: 'status', status: 503 } },
    { name: 'malformed', fault: { kind: 'malformed' } },
    { name: 'drop', fault: { kind: 'drop' } },
    { name: 'latency', fault: { kind: 'latency', ms: 300 } },
    { name: 'expired-session', expire: true },
  ];
  const startedAt = Date.now();
  const end = startedAt + SECONDS * 1_000;
  const warmUpEnd = Date.now() + Math.min(30_000, (SECONDS * 1_000) / 3);
  let faultsOn = true;
  const chaos = (async () => {
    while (faultsOn && Date.now() < end) {
      await sleep(Math.random() * 2 * FAULT_EVERY_MS);
      if (!faultsOn) break;
      const backend = pick(Object.keys(sims));
      const kind = pick(faultKinds);
      bump(counts.faults, `${backend}:${kind.name}`);
      if (kind.expire) {
        if (backend === 'sdm') sdm.expireSessions();
        else if (backend === 'zstack') zstack.expireSessions();
        else if (backend === 'appliance') appliance.expireSessions();
        continue;
      }
      const sim = sims[backend];
      if (!sim || !kind.fault) continue;
      sim.server.inject(kind.fault, {
        times: 1 + Math.floor(Math.random() * 5),
        // A faulted install may be performed unseen (a malformed answer): not what is counted.
        match: (r) => !COUNTED_WRITES[backend]?.test(r.path),
      });
    }
  })();
  // Redis hanging or restarting in the middle of mutations, reads and subscriptions.
  const redisChaos = (async () => {
    while (redis && faultsOn && Date.now() < end) {
      await sleep(REDIS_OUTAGE_EVERY_MS * (0.5 + Math.random()));
      if (!faultsOn) break;
      const outageMs = 300 + Math.random() * 1_700;
      if (Math.random() < 0.5) {
        bump(counts.faults, 'redis:hang');
        redis.pause();
        await sleep(outageMs);
        redis.resume();
      } else {
        bump(counts.faults, 'redis:restart');
        await redis.stop();
        await sleep(outageMs);
        await redis.start();
      }
    }
  })();

  let rssStart: number | undefined;
  const samples: number[] = [];
  const sampler = setInterval(() => {
    const rss = rssMb(server.pid);
    if (rss !== undefined) samples.push(rss);
    if (rssStart === undefined && Date.now() >= warmUpEnd) rssStart = rss;
  }, 1_000);

  // Each task is followed until terminal while the store still keeps it (TTL): one that
  // vanishes before, or never ends, is lost.
  const pending = new Set<string>();
  const lost = new Set<string>();
  const done = new Set<string>();
  let checked = 0;
  const checkPending = async () => {
    for (const id of [...tasks]) {
      if (!pending.has(id) && !lost.has(id) && !done.has(id)) pending.add(id);
    }
    for (const id of [...pending]) {
      const res = await gql('task', 'query($id: ID!) { task(id: $id) { status } }', { id });
      if (!res?.data) continue; // the request itself failed: ask again later
      // Redis down: the store could not say; ask again later.
      if (res.errors?.some((e) => e.extensions?.code === 'STORE_UNAVAILABLE')) continue;
      const status = (res.data.task as { status?: string } | null)?.status;
      if (status === undefined) lost.add(id);
      if (status === undefined || TERMINAL.has(status)) {
        pending.delete(id);
        if (status !== undefined) done.add(id);
      }
      checked++;
    }
  };
  const checker = (async () => {
    while (Date.now() < end && !died) {
      await checkPending();
      await sleep(1_000);
    }
  })();
  const workers = Array.from({ length: CONCURRENCY }, async () => {
    while (Date.now() < end && !died) await pick(operations)();
  });
  await Promise.all([...workers, checker]);
  faultsOn = false;
  await Promise.all([chaos, redisChaos]);
  for (const sim of Object.values(sims)) sim.server.clearFaults();

  // Every task started must reach a terminal state once the vendors behave.
  const started = tasks.size;
  for (const until = Date.now() + 30_000; Date.now() < until && !died; ) {
    await checkPending();
    if (pending.size === 0) break;
    await sleep(500);
  }
  for (const id of pending) lost.add(id);
  // Every install the appliance performed belongs to a task a caller got.
  const unmatchedInstalls = appliance.installTaskIds().filter((id) => !acceptedInstalls.has(id));
  const korapWritesWithoutTask = korap.writesPerformed() - korapTasks;
  const rssEnd = rssMb(server.pid);
  clearInterval(sampler);

  // Drain: SIGTERM must end the server with 0.
  const drainAt = Date.now();
  expectedExit = !died;
  server.kill('SIGTERM');
  const exit = await Promise.race([exited, sleep(20_000).then(() => undefined)]);
  const exitCode = exit ? (exit[0] as number | null) : 'timeout';
  if (exit === undefined) server.kill('SIGKILL');
  await Promise.all(Object.values(sims).map((s) => s.close()));
  await redis?.stop();
  if (redisDir) rmSync(redisDir, { recursive: true, force: true });

  // The main isolate is the one that collects most; compare the median live heap of the first
  // and the last third of the measured run.
  const perIsolate = new Map<string, number>();
  for (const h of liveHeap) bump(perIsolate, h.isolate);
  const main = [...perIsolate].sort((x, y) => y[1] - x[1])[0]?.[0];
  const mainHeap = liveHeap.filter((h) => h.isolate === main);
  const runMs = end - warmUpEnd;
  const within = (from: number, to: number) =>
    mainHeap.filter((h) => h.at >= from && h.at <= to).map((h) => h.mb);
  const median = (xs: number[]) =>
    xs.length === 0 ? undefined : [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  const heapStart = median(within(warmUpEnd, warmUpEnd + runMs / 3));
  const heapEnd = median(within(end - runMs / 3, drainAt));
  const growth =
    heapStart !== undefined && heapEnd !== undefined
      ? Math.round((heapEnd - heapStart) * 10) / 10
      : undefined;
  const sorted = (m: Map<string | number, number>) =>
    Object.fromEntries([...m].sort((x, y) => y[1] - x[1]));
  const report = {
    seconds: SECONDS,
    concurrency: CONCURRENCY,
    requests: counts.requests,
    requestsByOperation: sorted(counts.byOperation),
    httpStatus: sorted(counts.http),
    errorsByCode: sorted(counts.errorsByCode),
    mutationOutcomes: sorted(counts.outcomes),
    subscriptions: counts.subscriptions,
    faultsInjected: [...counts.faults.values()].reduce((a, n) => a + n, 0),
    memoryMb: {
      liveHeapAfterWarmUp: heapStart,
      liveHeapAtEnd: heapEnd,
      liveHeapGrowth: growth,
      fullGcs: mainHeap.length,
      liveHeapSeries: mainHeap
        .map((h) => `${Math.round((h.at - startedAt) / 1000)}s:${h.mb}`)
        .join(' '),
      rssAfterWarmUp: rssStart,
      rssAtEnd: rssEnd,
      rssMax: samples.length > 0 ? Math.max(...samples) : undefined,
      limitGrowth: MAX_GROWTH_MB,
    },
    tasks: { started, finished: done.size, lost: lost.size, statusChecks: checked },
    redis: redis
      ? {
          outages:
            (counts.faults.get('redis:hang') ?? 0) + (counts.faults.get('redis:restart') ?? 0),
          applianceInstalls: appliance.installTaskIds().length,
          installsWithoutTask: unmatchedInstalls.length,
          korapWrites: korap.writesPerformed(),
          korapWritesWithoutTask,
        }
      : 'off',
    serverDied: died,
    drainExitCode: exitCode,
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);

  const problems: string[] = [];
  if (died) problems.push('the server process died');
  if (lost.size > 0) problems.push(`${lost.size} task(s) lost: ${[...lost].slice(0, 20)}`);
  if (started === 0) problems.push('no task was started');
  if (unmatchedInstalls.length > 0)
    problems.push(`${unmatchedInstalls.length} appliance install(s) without a task`);
  if (korapWritesWithoutTask !== 0)
    problems.push(
      `KorAP performed ${korap.writesPerformed()} writes, callers got ${korapTasks} tasks`,
    );
  if (growth === undefined) problems.push('no full GC seen: cannot judge memory');
  else if (growth > MAX_GROWTH_MB)
    problems.push(`live heap grew by ${growth} MB (limit ${MAX_GROWTH_MB})`);
  if (exitCode !== 0) problems.push(`SIGTERM drain ended with ${exitCode}`);
  if (problems.length > 0) {
    process.stderr.write(
      `SOAK FAILED:\n  - ${problems.join('\n  - ')}\n--- server output ---\n${output}\n`,
    );
    process.exit(1);
  }
  process.stdout.write('soak passed: no crash, no lost task, memory flat, clean drain\n');
  process.exit(0);
}

await main();
