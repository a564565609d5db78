import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HSS_FIXTURES } from '../../src/backends/hss/fixtures.ts';
import { hssScaledFleet } from '../../src/backends/hss/fixtures-scaled.ts';
import { SIMULATOR_SCALE_DEFAULTS } from '../../src/config/simulator-scale.ts';
import { GOALS } from '../harness/goals.ts';
import { cpuOf, heapOf } from '../harness/heap-and-gc.ts';
import { fmt, goalTable, type Out, ratio } from '../harness/markdown.ts';
import { type Server, startPluginGraph } from '../harness/servers.ts';
import { log, POLL_INTERVAL_MS } from '../harness/settings.ts';
import { type Sims, startSims } from '../harness/simulators.ts';
import { gql } from '../harness/targets.ts';

/**
 * Issue 29, rollouts: one change over HOSTS HSS hosts in two regions (two endpoints, each its own
 * scaled simulator process), as one `startRollout` (hostsPerUnit 200, maxConcurrency "10%")
 * and as the same change made today: UNITS `startPlugin` mutations of 200 hosts each from a
 * client script, as many at once as the rollout runs, each followed by reading its task every
 * poll interval. Fresh simulators and server per way (the first leaves the hosts running).
 */

/** BENCH_ROLLOUT_STEP_MS: how long the simulators take to start a plugin on a host. */
const STEP_MS = Number(process.env.BENCH_ROLLOUT_STEP_MS ?? 2_000);
const HOSTS_PER_ENDPOINT = 3_000;
const HOSTS_PER_UNIT = 200;
const ENDPOINTS = ['hss-eu', 'hss-us'] as const;
const HOSTS = HOSTS_PER_ENDPOINT * ENDPOINTS.length;
const UNITS = HOSTS / HOSTS_PER_UNIT;
const CONCURRENCY = Math.max(1, Math.floor(UNITS / 10)); // "10%", as the rollout resolves it
/** Enough generated hosts for HOSTS_PER_ENDPOINT online hosts with `CODE` stopped (≈ 20%). */
const SCALE = { ...SIMULATOR_SCALE_DEFAULTS, hosts: 16_000, plugins: 3 };
const SCALE_TEXT = `hosts:${SCALE.hosts},plugins:${SCALE.plugins}`;
const CODE = HSS_FIXTURES.plugins[1]?.code ?? 'edr';
const STARTS = /\/start$/;
const STATUS_READS = /\/plugins\/attachments$/;

export interface RolloutWay {
  readonly way: string;
  readonly units: number;
  /** HSS start calls both simulators received. */
  readonly startCalls: number;
  /** Task status reads (ListPluginStatus of hosts `starting`) per poll interval, per endpoint. */
  readonly pollReadsPerIntervalPerEndpoint: number;
  /** Every ListPluginStatus read (the inventory snapshot's too) per poll interval, per endpoint. */
  readonly readsPerIntervalPerEndpoint: number;
  /** GraphQL requests the client sent. */
  readonly clientRequests: number;
  readonly seconds: number;
  /** Server CPU over the change, ms per unit. */
  readonly cpuMsPerUnit: number;
  /** Server heap (after GC) with every unit stored and live, above the idle heap, KB per unit. */
  readonly heapKbPerUnit: number;
  readonly succeeded: number;
}

const globalHost = (endpoint: string, hostId: string) =>
  Buffer.from(`Host:${endpoint}:${hostId}`).toString('base64');

/** The first HOSTS_PER_ENDPOINT online hosts whose CODE is stopped (both simulators alike). */
function stoppedHosts(): string[] {
  const fleet = hssScaledFleet(SCALE);
  const plugin = fleet.plugins.find((p) => p.code === CODE);
  const ids = fleet.hosts
    .filter(
      (h, i) =>
        plugin !== undefined &&
        h.agentStatus === 'online' &&
        plugin.osTypes.includes(h.osType) &&
        fleet.statusOf?.(plugin, i) === 'stopped',
    )
    .slice(0, HOSTS_PER_ENDPOINT)
    .map((h) => h.hostId);
  if (ids.length < HOSTS_PER_ENDPOINT) throw new Error(`rollouts: only ${ids.length} stopped rows`);
  return ids;
}

/** Two regions: two simulator processes, one endpoints file naming them. */
async function start(dir: string): Promise<{ sims: Sims[]; pg: Server }> {
  const env = { SIMULATOR_SCALE: SCALE_TEXT, BENCH_SIM_STEP_MS: String(STEP_MS) };
  const sims = [await startSims(env), await startSims(env)];
  const endpoints = sims.map((s, i) => ({
    name: ENDPOINTS[i],
    backend: 'hss',
    url: s.info.hss.url,
    projectId: s.info.hss.projectId,
    authToken: s.info.hss.token,
  }));
  const file = join(dir, 'endpoints.json');
  writeFileSync(file, JSON.stringify({ endpoints }));
  const pg = await startPluginGraph(sims[0]!.info, {
    HSS_URL: undefined,
    PLUGIN_GRAPH_ENDPOINTS_FILE: file,
  });
  return { sims, pg };
}

const sum = async (sims: Sims[], f: (s: Sims) => Promise<number>) =>
  (await Promise.all(sims.map(f))).reduce((a, b) => a + b, 0);

const START_ROLLOUT = `mutation($input: StartRolloutInput!) { startRollout(input: $input) {
  __typename ... on StartRolloutPayload { rollout { id counts { total } } }
  ... on ValidationError { fields { path message } } } }`;
const READ_ROLLOUT = `query($id: ID!) { rollout(id: $id) { status counts { succeeded failed } } }`;
const START_PLUGIN = `mutation($input: StartPluginInput!) { startPlugin(input: $input) {
  __typename ... on StartPluginPayload { task { id } } } }`;
const READ_TASK = `query($id: ID!) { task(id: $id) { status } }`;

type RolloutAnswer = {
  data?: { startRollout: { __typename: string; rollout?: { id: string } } };
};
type Read = { data?: { rollout: { status: string; counts: { succeeded: number } } | null } };
type Launched = { data?: { startPlugin: { __typename: string; task?: { id: string } } } };
type TaskRead = { data?: { task: { status: string } | null } };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One way of making the change, measured from before its first request to its end. */
async function measure(
  way: string,
  change: (pg: Server, hosts: string[]) => Promise<Changed>,
): Promise<RolloutWay> {
  const dir = mkdtempSync(join(tmpdir(), 'pg-bench-rollouts-'));
  const { sims, pg } = await start(dir);
  try {
    log(`rollouts: ${way} ...`);
    // Warm: each endpoint's inventory snapshot read once, as a running server has it.
    await gql(pg.url, '{ hosts(backend: HSS, first: 1) { edges { node { id } } } }');
    const idle = (await heapOf(pg)).heapUsed;
    await Promise.all(sims.map((s) => s.clear()));
    const cpu0 = await cpuOf(pg);
    const t0 = performance.now();
    const { requests, succeeded, liveHeap } = await change(pg, stoppedHosts());
    const seconds = (performance.now() - t0) / 1_000;
    const cpuMs = ((await cpuOf(pg)) - cpu0) / 1_000;
    const reads = await sum(sims, (s) => s.reads('hss', STATUS_READS));
    const polls = await sum(sims, (s) =>
      s.reads('hss', STATUS_READS, { plugin_status: 'starting' }),
    );
    const perIntervalPerEndpoint = (n: number) =>
      n / ((seconds * 1_000) / POLL_INTERVAL_MS) / sims.length;
    return {
      way,
      units: UNITS,
      startCalls: await sum(sims, (s) => s.count('hss', STARTS)),
      pollReadsPerIntervalPerEndpoint: perIntervalPerEndpoint(polls),
      readsPerIntervalPerEndpoint: perIntervalPerEndpoint(reads),
      clientRequests: requests,
      seconds,
      cpuMsPerUnit: cpuMs / UNITS,
      heapKbPerUnit: (liveHeap - idle) / 1024 / UNITS,
      succeeded,
    };
  } finally {
    await pg.stop();
    await Promise.all(sims.map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What a way of making the change did. */
interface Changed {
  readonly requests: number;
  readonly succeeded: number;
  /** The server's heap after GC once the first units are live (every unit known to it). */
  readonly liveHeap: number;
}

async function rollout(pg: Server, hosts: string[]): Promise<Changed> {
  const hostIds = ENDPOINTS.flatMap((e) => hosts.map((h) => globalHost(e, h)));
  const res = await gql<RolloutAnswer>(pg.url, START_ROLLOUT, {
    input: {
      action: { startPlugin: { pluginCode: CODE } },
      hostIds,
      hostsPerUnit: HOSTS_PER_UNIT,
      maxConcurrency: '10%',
    },
  });
  const id = res.data?.startRollout.rollout?.id;
  if (!id) throw new Error(`startRollout: ${JSON.stringify(res)}`);
  const liveHeap = (await heapOf(pg)).heapUsed;
  // Followed as a client would: its state every poll interval until it ended.
  let requests = 1;
  for (;;) {
    await sleep(POLL_INTERVAL_MS);
    const read = await gql<Read>(pg.url, READ_ROLLOUT, { id });
    requests++;
    const r = read.data?.rollout;
    if (r && r.status !== 'RUNNING' && r.status !== 'PAUSED')
      return { requests, succeeded: r.counts.succeeded, liveHeap };
  }
}

/** Today's way: UNITS startPlugin mutations, CONCURRENCY at a time, each task read every interval. */
async function script(pg: Server, hosts: string[]): Promise<Changed> {
  let liveHeap = 0;
  const batches = ENDPOINTS.flatMap((endpoint) =>
    Array.from({ length: HOSTS_PER_ENDPOINT / HOSTS_PER_UNIT }, (_, i) => ({
      endpoint,
      hostIds: hosts
        .slice(i * HOSTS_PER_UNIT, (i + 1) * HOSTS_PER_UNIT)
        .map((h) => globalHost(endpoint, h)),
    })),
  );
  let requests = 0;
  let succeeded = 0;
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const batch = batches[next++]!;
      const res = await gql<Launched>(pg.url, START_PLUGIN, {
        input: { pluginCode: CODE, ...batch },
      });
      requests++;
      const id = res.data?.startPlugin.task?.id;
      if (!id) throw new Error(`startPlugin: ${JSON.stringify(res)}`);
      // Once the first CONCURRENCY tasks are live; the script holds the rest of the plan itself.
      if (liveHeap === 0 && next >= CONCURRENCY) liveHeap = (await heapOf(pg)).heapUsed;
      for (;;) {
        await sleep(POLL_INTERVAL_MS);
        const read = await gql<TaskRead>(pg.url, READ_TASK, { id });
        requests++;
        const status = read.data?.task?.status;
        if (status === 'SUCCESS') succeeded++;
        if (status && status !== 'QUEUED' && status !== 'RUNNING') break;
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { requests, succeeded, liveHeap };
}

/** The rollout, then the same change by a client script. */
export async function measureRollouts(): Promise<RolloutWay[]> {
  return [
    await measure('one `startRollout`', rollout),
    await measure(`${UNITS} \`startPlugin\` from a client script`, script),
  ];
}

export function reportRollouts(out: Out, rows: readonly RolloutWay[]): void {
  const [one, many] = rows as [RolloutWay, RolloutWay];
  out(`## 10. Rollouts: ${fmt(HOSTS)} HSS hosts in two regions, one mutation vs ${UNITS}`);
  out();
  out(
    `Two HSS endpoints, each its own simulator process (SIMULATOR_SCALE \`${SCALE_TEXT}\`), ${fmt(HOSTS_PER_ENDPOINT)}`,
  );
  out(
    `hosts each with plugin \`${CODE}\` stopped; a start takes ${STEP_MS} ms at the simulator. The change:`,
  );
  out(
    `start \`${CODE}\` on all of them, ${HOSTS_PER_UNIT} hosts per vendor call, ${CONCURRENCY} calls at a time (\`maxConcurrency: "10%"\`).`,
  );
  out(
    'The rollout is followed by reading it every poll interval; the script reads each task every',
  );
  out(
    `poll interval (${POLL_INTERVAL_MS} ms). Fresh simulators and server per way. Heap: after GC with every unit`,
  );
  out('stored and the first ones live, above the idle heap. Task status reads: the batched poll');
  out('(ListPluginStatus of the hosts `starting`); all status reads add the inventory snapshot');
  out('refreshes each launch and end triggers (one ListPluginStatus per plugin code each).');
  out();
  out(
    '| way | units | start calls | task status reads / interval / endpoint | all status reads / interval / endpoint | client requests | s | CPU ms / unit | heap KB / unit | succeeded |',
  );
  out('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    out(
      `| ${r.way} | ${r.units} | ${r.startCalls} | ${fmt(r.pollReadsPerIntervalPerEndpoint, 2)} | ${fmt(r.readsPerIntervalPerEndpoint, 2)} | ${r.clientRequests} | ${fmt(r.seconds, 1)} | ${fmt(r.cpuMsPerUnit, 1)} | ${fmt(r.heapKbPerUnit, 1)} | ${r.succeeded} |`,
    );
  }
  out();
  out(
    `Rollout vs script: client requests ${ratio(one.clientRequests, many.clientRequests)}, server CPU ${ratio(one.cpuMsPerUnit, many.cpuMsPerUnit)}, time ${ratio(one.seconds, many.seconds)}.`,
  );
  out();
  goalTable(out, [
    {
      goal: `vendor start calls = units (${UNITS})`,
      measured: String(one.startCalls),
      met: one.startCalls === UNITS * GOALS.rolloutCallsPerUnit,
    },
    {
      goal: `task status reads per interval per endpoint ≤ ${GOALS.pollsPerIntervalAtMost} (one code)`,
      measured: fmt(one.pollReadsPerIntervalPerEndpoint, 2),
      met: one.pollReadsPerIntervalPerEndpoint <= GOALS.pollsPerIntervalAtMost,
    },
  ]);
}

/** BENCH_ONLY=rollouts, the quick loop: this section printed, RESULTS.md untouched. */
export async function rolloutsLoop(): Promise<void> {
  const rows = await measureRollouts();
  const lines: string[] = [];
  reportRollouts((l = '') => lines.push(l), rows);
  log('');
  log(lines.join('\n'));
}
