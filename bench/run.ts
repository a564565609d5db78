import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { pino } from 'pino';
import { Pool } from 'undici';
import { startApplianceSimulator } from '../src/backends/appliance/simulator.ts';
import { startHssSimulator } from '../src/backends/hss/simulator.ts';
import { startKorapSimulator } from '../src/backends/korap/simulator.ts';
import { startSdmSimulator } from '../src/backends/sdm/simulator.ts';
import { freePort } from '../src/backends/simulator/free-port.ts';
import { startZstackSimulator } from '../src/backends/zstack/simulator.ts';
import { type Config, loadConfig } from '../src/config.ts';
import { createRuntime } from '../src/runtime.ts';
import type { SimInfo, SimQuery } from './sim.ts';

/**
 * `npm run bench` (SPEC §9, issue 8): every server in its own process, everything on 127.0.0.1,
 * figures as ratios from one run. Prints a table and writes bench/RESULTS.md. No test asserts
 * any of this: it is evidence, not a gate.
 */

const CONNECTIONS = 20;
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 3);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 8);
const RATE = 500;
const RATE_S = Number(process.env.BENCH_RATE_S ?? 6);
const SUBSCRIBERS = 1_000;
const POLL_INTERVAL_MS = 1_000;
const READ = '{ plugins(backend: HSS) { edges { node { name } } } }';
const READ_BODY = JSON.stringify({ query: READ });

const children = new Set<ChildProcess>();
const log = (line: string) => process.stdout.write(`${line}\n`);

// ---------------------------------------------------------------------------------------------
// Processes

interface Proc {
  readonly child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Forks a TypeScript entry point (through tsx) with IPC; resolves once `ready` says so. */
async function start(
  entry: string,
  env: Record<string, string>,
  ready: (output: string, messages: readonly unknown[]) => boolean | Promise<boolean>,
  execArgv: string[] = [],
): Promise<Proc> {
  const child = fork(entry, [], {
    execArgv: ['--import', 'tsx', ...execArgv],
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  children.add(child);
  let output = '';
  const messages: unknown[] = [];
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const onMessage = (m: unknown) => messages.push(m);
  child.on('message', onMessage);
  const until = Date.now() + 30_000;
  while (!(await ready(output, messages))) {
    if (child.exitCode !== null || Date.now() > until)
      throw new Error(`${entry} did not start:\n${output}`);
    await sleep(25);
  }
  child.off('message', onMessage);
  return {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 12_000);
      await exited;
      clearTimeout(timer);
      children.delete(child);
    },
  };
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

interface Sims {
  readonly info: SimInfo;
  count(sim: 'hss' | 'appliance', path?: RegExp): Promise<number>;
  clear(): Promise<void>;
  stop(): Promise<void>;
}

async function startSims(): Promise<Sims> {
  let info: SimInfo | undefined;
  const proc = await start('bench/sim.ts', {}, (_out, messages) => {
    for (const m of messages) {
      if (m && typeof m === 'object' && 'ready' in m) info = (m as { ready: SimInfo }).ready;
    }
    return info !== undefined;
  });
  let next = 0;
  const ask = (q: DistributiveOmit<SimQuery, 'id'>): Promise<number> => {
    const id = ++next;
    return new Promise((resolve) => {
      const onMessage = (m: unknown) => {
        const reply = m as { id?: number; value?: number };
        if (reply.id !== id) return;
        proc.child.off('message', onMessage);
        resolve(reply.value ?? 0);
      };
      proc.child.on('message', onMessage);
      proc.child.send({ ...q, id });
    });
  };
  return {
    info: info as SimInfo,
    count: (sim, path) => ask({ op: 'count', sim, ...(path ? { path: path.source } : {}) }),
    clear: async () => {
      await ask({ op: 'clear' });
    },
    stop: async () => {
      proc.child.disconnect();
      await once(proc.child, 'exit');
    },
  };
}

function pluginGraphEnv(info: SimInfo, port: number, extra: Record<string, string> = {}) {
  return {
    PORT: String(port),
    HSS_URL: info.hss.url,
    HSS_PROJECT_ID: info.hss.projectId,
    HSS_AUTH_TOKEN: info.hss.token,
    APPLIANCE_URL: info.appliance.url,
    APPLIANCE_USERNAME: info.appliance.username,
    APPLIANCE_PASSWORD: info.appliance.password,
    PLUGIN_GRAPH_AUTH: 'none',
    LOG_LEVEL: 'warn',
    TASK_POLL_INTERVAL_MS: String(POLL_INTERVAL_MS),
    // Auth off: every subscriber is the one anonymous caller, which the fan-out makes 1,000 times.
    MAX_SUBSCRIPTIONS_PER_CALLER: String(SUBSCRIBERS),
    ...extra,
  };
}

/** The real server (src/server.ts, as `npm start`), with the heap probe preloaded. */
async function startPluginGraph(info: SimInfo, extra: Record<string, string> = {}) {
  const port = await freePort();
  const proc = await start(
    'src/server.ts',
    pluginGraphEnv(info, port, extra),
    // LOG_LEVEL=warn hides the start-up line: ready once /healthz answers.
    () =>
      fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.ok,
        () => false,
      ),
    [
      '--expose-gc',
      '--import',
      './bench/heap-probe.ts',
      ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean),
    ],
  );
  return { ...proc, port, url: `http://127.0.0.1:${port}` };
}

async function heapOf(proc: Proc): Promise<NodeJS.MemoryUsage> {
  const reply = new Promise<NodeJS.MemoryUsage>((resolve) => {
    const onMessage = (m: unknown) => {
      if (m && typeof m === 'object' && 'heap' in m) {
        proc.child.off('message', onMessage);
        resolve((m as { heap: NodeJS.MemoryUsage }).heap);
      }
    };
    proc.child.on('message', onMessage);
  });
  proc.child.send('heap');
  return reply;
}

interface GcPauses {
  readonly minor: number[];
  readonly major: number[];
}

/** Garbage collections in a plugin-graph process while `work` runs (bench/heap-probe.ts). */
async function gcDuring<T>(proc: Proc, work: () => Promise<T>): Promise<[T, GcPauses]> {
  proc.child.send('gc-reset');
  const result = await work();
  const reply = new Promise<GcPauses>((resolve) => {
    const onMessage = (m: unknown) => {
      if (m && typeof m === 'object' && 'gc' in m) {
        proc.child.off('message', onMessage);
        resolve((m as { gc: GcPauses }).gc);
      }
    };
    proc.child.on('message', onMessage);
  });
  proc.child.send('gc-stats');
  return [result, await reply];
}

function describeGc(gc: GcPauses, requests: number): string {
  const minor = [...gc.minor].sort((a, b) => a - b);
  const median = minor[Math.floor(minor.length / 2)] ?? 0;
  const max = minor[minor.length - 1] ?? 0;
  return `${minor.length} scavenges (one per ${Math.round(requests / Math.max(1, minor.length))} requests; pause median ${median.toFixed(2)} ms, max ${max.toFixed(2)} ms), ${gc.major.length} full GCs`;
}

// ---------------------------------------------------------------------------------------------
// Load

interface Target {
  readonly name: string;
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

function graphqlTarget(name: string, url: string): Target {
  return {
    name,
    url,
    method: 'POST',
    path: '/graphql',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: READ_BODY,
  };
}

interface Throughput {
  readonly rps: number;
  /** HSS ListPlugins calls per request during the measured run, where counted. */
  readonly backendCallsPerRequest?: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
}

async function cannon(target: Target, seconds: number, connections = CONNECTIONS) {
  return autocannon({
    url: target.url + target.path,
    method: target.method,
    headers: target.headers,
    ...(target.body === undefined ? {} : { body: target.body }),
    connections,
    duration: seconds,
  });
}

async function throughput(
  target: Target,
  connections = CONNECTIONS,
  backendCalls?: () => Promise<number>,
): Promise<Throughput> {
  await cannon(target, WARMUP_S, connections);
  const before = await backendCalls?.();
  const r = await cannon(target, DURATION_S, connections);
  const after = await backendCalls?.();
  return {
    ...(before === undefined || after === undefined || r.requests.total === 0
      ? {}
      : { backendCallsPerRequest: (after - before) / r.requests.total }),
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.non2xx,
  };
}

interface Latency {
  readonly p50: number;
  readonly p99: number;
  readonly sent: number;
  readonly failed: number;
}

/** Open loop at a fixed rate (not closed-loop like autocannon), microsecond timing. */
async function fixedRate(target: Target, rate: number, seconds: number): Promise<Latency> {
  const pool = new Pool(target.url, { connections: 32 });
  const times: number[] = [];
  let failed = 0;
  const one = async () => {
    const t0 = performance.now();
    try {
      const res = await pool.request({
        method: target.method,
        path: target.path,
        headers: target.headers,
        ...(target.body === undefined ? {} : { body: target.body }),
      });
      await res.body.text();
      if (res.statusCode !== 200) failed++;
      else times.push(performance.now() - t0);
    } catch {
      failed++;
    }
  };
  const pending: Promise<void>[] = [];
  const run = async (secs: number) => {
    const started = performance.now();
    let sent = 0;
    for (;;) {
      const elapsed = performance.now() - started;
      if (elapsed >= secs * 1000) break;
      const due = Math.floor((elapsed * rate) / 1000);
      while (sent < due) {
        sent++;
        pending.push(one());
      }
      await sleep(1);
    }
    await Promise.all(pending);
    pending.length = 0;
    return sent;
  };
  await run(1); // warm
  times.length = 0;
  failed = 0;
  const sent = await run(seconds);
  await pool.close();
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? NaN;
  return { p50: at(0.5), p99: at(0.99), sent, failed };
}

async function gql<T>(url: string, query: string, variables?: unknown): Promise<T> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as T;
}

// ---------------------------------------------------------------------------------------------
// Scenarios

interface Subscribers {
  readonly opened: number;
  close(): Promise<void>;
}

/** `n` SSE subscriptions to one task, spread over `urls`; resolves once each saw its first event. */
async function subscribe(urls: readonly string[], taskId: string, n: number): Promise<Subscribers> {
  const pools = urls.map((u) => new Pool(u, { connections: n }));
  const body = JSON.stringify({
    query: 'subscription($id: ID!) { taskProgress(id: $id) { id status progress } }',
    variables: { id: taskId },
  });
  const streams: NodeJS.ReadableStream[] = [];
  let opened = 0;
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const pool = pools[i % pools.length] as Pool;
      const res = await pool.request({
        method: 'POST',
        path: '/graphql',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body,
      });
      streams.push(res.body);
      let seen = '';
      await new Promise<void>((resolve) => {
        const onData = (chunk: Buffer) => {
          seen += chunk.toString();
          if (seen.includes('event: next')) {
            opened++;
            res.body.off('data', onData);
            res.body.resume(); // keep reading what comes next
            resolve();
          }
        };
        res.body.on('data', onData);
        res.body.on('error', () => resolve());
        res.body.on('end', () => resolve());
      });
    }),
  );
  return {
    opened,
    async close() {
      for (const s of streams) (s as NodeJS.ReadableStream & { destroy(): void }).destroy();
      await Promise.all(pools.map((p) => p.destroy()));
    },
  };
}

async function startInstall(url: string): Promise<string> {
  const r = await gql<{ data?: { installUpdate?: { task?: { id: string } } }; errors?: unknown }>(
    url,
    'mutation { installUpdate(input: { version: "9.0.3.0" }) { ... on InstallUpdatePayload { task { id } } } }',
  );
  const id = r.data?.installUpdate?.task?.id;
  if (!id) throw new Error(`installUpdate failed: ${JSON.stringify(r)}`);
  return id;
}

interface FanOut {
  readonly subscribers: number;
  readonly pollsPerInterval: number;
  readonly bytesPerSubscriber: number;
}

async function fanOut(sims: Sims, servers: readonly (Proc & { url: string })[]): Promise<FanOut> {
  const [first] = servers;
  if (!first) throw new Error('no server');
  const taskId = await startInstall(first.url);
  await sleep(1_500);
  const before = await Promise.all(servers.map(heapOf));
  const subs = await subscribe(
    servers.map((s) => s.url),
    taskId,
    SUBSCRIBERS,
  );
  await sleep(1_000);
  await sims.clear();
  const windowMs = 5 * POLL_INTERVAL_MS;
  await sleep(windowMs);
  const polls = await sims.count('appliance', /\/tasks\//);
  const after = await Promise.all(servers.map(heapOf));
  await subs.close();
  const sum = (xs: NodeJS.MemoryUsage[], k: 'heapUsed') => xs.reduce((a, m) => a + m[k], 0);
  return {
    subscribers: subs.opened,
    pollsPerInterval: polls / (windowMs / POLL_INTERVAL_MS),
    bytesPerSubscriber: (sum(after, 'heapUsed') - sum(before, 'heapUsed')) / subs.opened,
  };
}

function dataOf<T>(result: { data?: unknown; errors?: unknown }): T {
  if (!result.data) throw new Error(`no data: ${JSON.stringify(result.errors)}`);
  return result.data as T;
}

interface Batching {
  readonly label: string;
  readonly calls: Readonly<Record<string, number>>;
  readonly items: string;
}

/** In process (the counts do not depend on it): all five simulators and a runtime. */
async function batching(): Promise<Batching[]> {
  const [sdm, zstack, hss, appliance, korap] = await Promise.all([
    startSdmSimulator(),
    startZstackSimulator(),
    startHssSimulator(),
    startApplianceSimulator(),
    startKorapSimulator(),
  ]);
  const sims = { sdm, zstack, hss, appliance, korap };
  const config: Config = {
    ...loadConfig({ PLUGIN_GRAPH_DEMO: '1' }),
    demo: false,
    backends: {
      sdm: sdm.config(),
      zstack: zstack.config(),
      hss: hss.config(),
      appliance: appliance.config(),
      korap: korap.config(),
    },
  };
  const runtime = createRuntime(config, pino({ level: 'silent' }));
  const post = async (query: string, variables?: unknown) => {
    const res = await runtime.app.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as {
      data?: Record<string, unknown>;
      errors?: unknown[];
    };
  };
  const counted = async (query: string, variables?: unknown) => {
    // Sessions first (login calls are not what batching is about), then count one request.
    for (const s of Object.values(sims)) s.server.clearLog();
    const result = await post(query, variables);
    if (result.errors) throw new Error(`batching query failed: ${JSON.stringify(result.errors)}`);
    const calls: Record<string, number> = {};
    for (const [name, s] of Object.entries(sims)) {
      for (const r of s.server.requests) {
        const key = `${name} ${r.method} ${r.path.replace(/[0-9a-f-]{16,}|ID\d+/g, ':id')}`;
        calls[key] = (calls[key] ?? 0) + 1;
      }
    }
    return { result, calls };
  };
  const out: Batching[] = [];
  try {
    // Warm the sessions (SDM cookie, ZStack session, appliance session) outside the counts.
    await post('{ plugins { edges { node { id } } } hosts { edges { node { id } } } }');
    const tree = await counted(
      '{ plugins { edges { node { name installations { status host { name } } } } } }',
    );
    const { edges } = dataOf<{
      plugins: { edges: { node: { installations: unknown[] } }[] };
    }>(tree.result).plugins;
    out.push({
      label: '`plugins { installations { host } }`',
      calls: tree.calls,
      items: `${edges.length} plugins, ${edges.reduce((a, e) => a + e.node.installations.length, 0)} installations`,
    });

    const ids = await post(
      '{ plugins { edges { node { id } } } hosts { edges { node { id } } } installations { edges { node { id } } } }',
    );
    const pick = (field: string, type: string) =>
      dataOf<Record<string, { edges: { node: { id: string } }[] }>>(ids)[field]!.edges.map((e) => ({
        __typename: type,
        id: e.node.id,
      }));
    const known = [
      ...pick('plugins', 'Plugin'),
      ...pick('hosts', 'Host'),
      ...pick('installations', 'Installation'),
    ];
    const reps = Array.from({ length: 100 }, (_, i) => known[i % known.length]);
    const entities = await counted(
      `query($r: [_Any!]!) { _entities(representations: $r) {
        ... on Plugin { name } ... on Host { name } ... on Installation { status plugin { name } host { name } }
      } }`,
      { r: reps },
    );
    const resolved = dataOf<{ _entities: unknown[] }>(entities.result)._entities.filter(
      (e) => e !== null,
    );
    out.push({
      label: '`_entities`, 100 representations',
      calls: entities.calls,
      items: `${known.length} distinct ids over Plugin, Host, Installation; ${resolved.length} resolved`,
    });
  } finally {
    await runtime.close();
    await Promise.all(Object.values(sims).map((s) => s.close()));
  }
  return out;
}

async function startRedis(): Promise<{ url: string; stop(): Promise<void> } | undefined> {
  const port = await freePort();
  const { spawn } = await import('node:child_process');
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.add(child);
  const failed = new Promise<undefined>((resolve) => child.on('error', () => resolve(undefined)));
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const ready = (async () => {
    const until = Date.now() + 10_000;
    while (!output.includes('Ready to accept connections')) {
      if (child.exitCode !== null || Date.now() > until) return undefined;
      await sleep(20);
    }
    return {
      url: `redis://127.0.0.1:${port}`,
      async stop() {
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        await exited;
        children.delete(child);
      },
    };
  })();
  return Promise.race([ready, failed]);
}

// ---------------------------------------------------------------------------------------------
// Report

const fmt = (n: number, digits = 0) =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits }) : 'n/a';
const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a');
const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');

async function startBaseline(entry: string, hss: SimInfo['hss']) {
  const port = await freePort();
  const proc = await start(
    entry,
    {
      PORT: String(port),
      HSS_URL: hss.url,
      HSS_PROJECT_ID: hss.projectId,
      HSS_AUTH_TOKEN: hss.token,
    },
    (out) => out.includes('listening'),
    (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean),
  );
  return { ...proc, url: `http://127.0.0.1:${port}` };
}

async function main(): Promise<void> {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const machine = `${cpus().length} cores (${cpu}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}`;
  log(`plugin-graph bench on ${machine}`);
  const t0 = Date.now();
  const sims = await startSims();
  const { hss } = sims.info;
  const direct: Target = {
    name: 'HSS simulator, direct',
    url: hss.url,
    method: 'GET',
    path: `/v5/${hss.projectId}/plugins?offset=0&limit=200`,
    headers: { 'x-auth-token': hss.token },
  };

  if (process.env.BENCH_ONLY === 'fanout') {
    // Quick loop for memory work: only the fan-out figure, printed, RESULTS.md untouched.
    const pgOnly = await startPluginGraph(sims.info);
    const fan = await fanOut(sims, [pgOnly]);
    log(`fan-out: ${JSON.stringify(fan)}`);
    await pgOnly.stop();
    await sims.stop();
    return;
  }

  if (process.env.BENCH_ONLY === 'latency') {
    // Quick loop for latency work: direct and one target (BENCH_LAT_TARGET: bare, apollo, or
    // plugin-graph) at RATE, printed, RESULTS.md untouched. BENCH_NODE_FLAGS adds node flags to the
    // target (e.g. --trace-gc-nvp), BENCH_TARGET_OUTPUT saves its output to a file.
    const which = process.env.BENCH_LAT_TARGET;
    const target =
      which === 'bare' || which === 'apollo'
        ? await startBaseline(`bench/${which === 'bare' ? 'bare-yoga' : 'apollo'}.ts`, hss)
        : await startPluginGraph(sims.info);
    const loaded = graphqlTarget(which ?? 'plugin-graph', target.url);
    await cannon(loaded, WARMUP_S);
    for (let round = 0; round < Number(process.env.BENCH_ROUNDS ?? 3); round++) {
      const d = await fixedRate(direct, RATE, RATE_S);
      const [p, gc] =
        which === 'bare' || which === 'apollo'
          ? [await fixedRate(loaded, RATE, RATE_S), undefined]
          : await gcDuring(target, () => fixedRate(loaded, RATE, RATE_S));
      if (gc) log(`gc in plugin-graph: ${describeGc(gc, p.sent)}`);
      log(
        `latency: direct p50 ${d.p50.toFixed(2)} p99 ${d.p99.toFixed(2)}; plugin-graph p50 ${p.p50.toFixed(2)} p99 ${p.p99.toFixed(2)}; added p50 ${(p.p50 - d.p50).toFixed(2)} p99 ${(p.p99 - d.p99).toFixed(2)} ms`,
      );
    }
    if (process.env.BENCH_TARGET_OUTPUT)
      writeFileSync(process.env.BENCH_TARGET_OUTPUT, target.output());
    await target.stop();
    await sims.stop();
    return;
  }

  // 1) throughput and 2) latency: four targets, each its own process, one at a time.
  const bare = await startBaseline('bench/bare-yoga.ts', hss);
  const apollo = await startBaseline('bench/apollo.ts', hss);
  const pg = await startPluginGraph(sims.info);
  const targets: Target[] = [
    direct,
    graphqlTarget('bare graphql-yoga + undici Pool', bare.url),
    graphqlTarget('Apollo Server 5 + RESTDataSource', apollo.url),
    graphqlTarget('plugin-graph', pg.url),
  ];
  for (const t of targets.slice(1)) {
    const check = await gql<{ data?: { plugins: { edges: unknown[] } } }>(t.url, READ);
    if (!check.data?.plugins.edges.length) throw new Error(`${t.name}: ${JSON.stringify(check)}`);
  }
  const tput: Throughput[] = [];
  for (const t of targets) {
    log(`throughput: ${t.name} ...`);
    tput.push(await throughput(t, CONNECTIONS, () => sims.count('hss', /\/plugins$/)));
  }
  const lat: Latency[] = [];
  let pgGc: GcPauses | undefined;
  for (const t of targets) {
    log(`latency at ${RATE} req/s: ${t.name} ...`);
    if (t.url !== pg.url) lat.push(await fixedRate(t, RATE, RATE_S));
    else {
      const [r, gc] = await gcDuring(pg, () => fixedRate(t, RATE, RATE_S));
      lat.push(r);
      pgGc = gc;
    }
  }
  await Promise.all([bare.stop(), apollo.stop()]);

  // 3) batching
  log('batching ...');
  const batches = await batching();

  // 4) fan-out: 1,000 SSE subscribers on one task of the plugin-graph process above.
  log(`fan-out: ${SUBSCRIBERS} SSE subscribers ...`);
  const fan = await fanOut(sims, [pg]);
  await pg.stop();

  // 5) scale-out: one instance on Redis vs two, same load.
  log('scale-out ...');
  await sims.stop();
  const redis = await startRedis();
  let scale: { one: Throughput; two: Throughput[]; fan: FanOut } | undefined;
  if (redis) {
    // Fresh simulators: the appliance above is still busy with the fan-out's install.
    const sims2 = await startSims();
    const a = await startPluginGraph(sims2.info, { REDIS_URL: redis.url });
    const one = await throughput(graphqlTarget('one instance', a.url));
    const b = await startPluginGraph(sims2.info, { REDIS_URL: redis.url });
    await cannon(graphqlTarget('b', b.url), WARMUP_S);
    const two = await Promise.all(
      [a, b].map((s) => throughput(graphqlTarget('two', s.url), CONNECTIONS / 2)),
    );
    const twoFan = await fanOut(sims2, [a, b]);
    scale = { one, two, fan: twoFan };
    await Promise.all([a.stop(), b.stop()]);
    await redis.stop();
    await sims2.stop();
  }

  // ------------------------------------------------------------------ report
  const [dT, bT, aT, pT] = tput as [Throughput, Throughput, Throughput, Throughput];
  const [dL, , , pL] = lat as [Latency, Latency, Latency, Latency];
  const vsBare = pT.rps / bT.rps;
  const vsApollo = pT.rps / aT.rps;
  const addedP50 = pL.p50 - dL.p50;
  const addedP99 = pL.p99 - dL.p99;
  const lines: string[] = [];
  const out = (l = '') => lines.push(l);
  out('# Benchmark results');
  out();
  out(
    `Written by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}; machine: ${machine}.`,
  );
  out('Every server is its own process on 127.0.0.1; the HSS and appliance simulators share a');
  out('process; the load generator (autocannon; an open-loop undici client for latency) runs in');
  out('the bench process on the same cores. Figures are from one run: read them as ratios.');
  out(`Took ${Math.round((Date.now() - t0) / 1000)} s.`);
  out();
  out(`## 1. Throughput: \`${READ}\``);
  out();
  out(
    `${CONNECTIONS} connections, ${WARMUP_S} s warm-up then ${DURATION_S} s measured per target, one target at a time.`,
  );
  out();
  out('| target | req/s | vs direct | p50 ms | p99 ms | errors | HSS calls per request |');
  out('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  targets.forEach((t, i) => {
    const r = tput[i] as Throughput;
    const calls = r.backendCallsPerRequest === undefined ? '' : r.backendCallsPerRequest.toFixed(2);
    out(
      `| ${t.name} | ${fmt(r.rps)} | ${ratio(r.rps, dT.rps)} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ${r.errors} | ${calls} |`,
    );
  });
  out();
  out(
    'plugin-graph coalesces identical reads that are in flight at the same time (`src/backends/in-flight.ts`:',
  );
  out(
    'joined while running, never cached), so under 20 concurrent identical reads it asks HSS less than once',
  );
  out(
    'per request; the bare resolver and Apollo ask once per request. The last column shows the difference.',
  );
  out();
  out('| goal | measured | |');
  out('| --- | ---: | --- |');
  out(
    `| plugin-graph ≥ 0.8× bare graphql-yoga | ${vsBare.toFixed(2)}× | ${verdict(vsBare >= 0.8)} |`,
  );
  out(
    `| plugin-graph ≥ 1.5× Apollo Server | ${vsApollo.toFixed(2)}× | ${verdict(vsApollo >= 1.5)} |`,
  );
  out();
  out(`## 2. Latency at a fixed ${RATE} req/s (unsaturated)`);
  out();
  out(
    `Open loop, ${RATE_S} s after 1 s of warm-up; latency of each request from send to last byte.`,
  );
  out();
  out('| target | p50 ms | p99 ms | added p50 ms | added p99 ms | sent | failed |');
  out('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  targets.forEach((t, i) => {
    const r = lat[i] as Latency;
    out(
      `| ${t.name} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${i === 0 ? '' : fmt(r.p50 - dL.p50, 2)} | ${i === 0 ? '' : fmt(r.p99 - dL.p99, 2)} | ${r.sent} | ${r.failed} |`,
    );
  });
  out();
  out('| goal | measured | |');
  out('| --- | ---: | --- |');
  out(`| plugin-graph added p50 ≤ 1 ms | ${addedP50.toFixed(2)} ms | ${verdict(addedP50 <= 1)} |`);
  out(`| plugin-graph added p99 ≤ 3 ms | ${addedP99.toFixed(2)} ms | ${verdict(addedP99 <= 3)} |`);
  out();
  if (pgGc) {
    const sent = (lat[targets.findIndex((t) => t.url === pg.url)] as Latency).sent;
    out(`Garbage collection in plugin-graph during its run: ${describeGc(pgGc, sent)}.`);
    out('A request that arrives during a pause waits for it: the pauses set the p99 tail.');
    out();
  }
  out('## 3. Batching: backend calls for one request');
  out();
  out('All five simulators, sessions warmed first; every request a simulator received while one');
  out('GraphQL request ran, by backend, method and path (ids folded to `:id`).');
  out();
  for (const b of batches) {
    out(`**${b.label}** (${b.items})`);
    out();
    out('| backend call | count |');
    out('| --- | ---: |');
    for (const [k, v] of Object.entries(b.calls).sort()) out(`| \`${k}\` | ${v} |`);
    out();
  }
  out('Goal: one call per backend per level. Level 1 (`plugins`) costs one list call per backend');
  out('(KorAP two: its plugin status needs the installed list). Level 2 (`installations`, and');
  out('`host` beneath it) costs at most one more per backend, whatever the number of parents, and');
  out('none where the vendor rows level 1 read already hold it: SDM’s plugin list carries the');
  out('members, KorAP’s installed list is read once per request (`RequestReads` in');
  out('src/backends/catalog.ts). HSS has no "all installations" call: its ListPluginStatus is one');
  out('call per plugin code (3 in the fixtures), the vendor API’s floor, not an N+1 over parents;');
  out('the codes come from the plugin list level 1 read. `_entities` groups its 100');
  out('representations per backend and type.');
  out();
  out(`## 4. Fan-out: ${SUBSCRIBERS} SSE subscribers on one task`);
  out();
  out('| | measured | goal | |');
  out('| --- | ---: | ---: | --- |');
  out(
    `| subscribers that received the first event | ${fan.subscribers} | ${SUBSCRIBERS} | ${verdict(fan.subscribers === SUBSCRIBERS)} |`,
  );
  out(
    `| appliance task polls per ${POLL_INTERVAL_MS} ms interval | ${fan.pollsPerInterval.toFixed(2)} | 1 | ${verdict(fan.pollsPerInterval <= 1.2)} |`,
  );
  out(
    `| V8 heap per subscriber (after GC) | ${fmt(fan.bytesPerSubscriber / 1024, 1)} KB | ≤ 20 KB | ${verdict(fan.bytesPerSubscriber <= 20 * 1024)} |`,
  );
  out();
  out('## 5. Scale-out: two instances on Redis vs one');
  out();
  if (!scale) {
    out('Not measured: `redis-server` is not installed on this machine (`.ci/run` installs it).');
  } else {
    const twoRps = scale.two.reduce((a, r) => a + r.rps, 0);
    out(
      `Same read, same ${CONNECTIONS} connections in total (${CONNECTIONS / 2} per instance for two); both instances`,
    );
    out(
      'and the simulators share the same cores, so this shows the cost of the Redis backplane and',
    );
    out('that work spreads, not a speed-up a bigger machine would give.');
    out();
    out('| | req/s | p99 ms |');
    out('| --- | ---: | ---: |');
    out(`| one instance (REDIS_URL set) | ${fmt(scale.one.rps)} | ${fmt(scale.one.p99, 1)} |`);
    out(
      `| two instances, together | ${fmt(twoRps)} (${ratio(twoRps, scale.one.rps)}) | ${fmt(Math.max(...scale.two.map((r) => r.p99)), 1)} |`,
    );
    out();
    out(
      `Fan-out across both: ${scale.fan.subscribers} SSE subscribers split over the two instances on`,
    );
    out(
      `one task started on the first: ${scale.fan.pollsPerInterval.toFixed(2)} appliance polls per interval`,
    );
    out(
      `(goal 1: one lease holder polls, Redis fans the changes out), ${fmt(scale.fan.bytesPerSubscriber / 1024, 1)} KB`,
    );
    out('heap per subscriber summed over both.');
  }
  out();
  // The prose about what was profiled and fixed, with its before/after figures.
  out(readFileSync('bench/PROFILING.md', 'utf8').trimEnd());
  out();
  const md = lines.join('\n');
  writeFileSync('bench/RESULTS.md', md);
  log('');
  log(md);
}

process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => process.exit(130));
}

await main();
