import { HSS_FIXTURES } from '../../src/backends/hss/fixtures.ts';
import { hssScaledFleet } from '../../src/backends/hss/fixtures-scaled.ts';
import { sdmScaledFleet } from '../../src/backends/sdm/fixtures-scaled.ts';
import { SIMULATOR_SCALE_DEFAULTS } from '../../src/config/simulator-scale.ts';
import { cpuOf } from '../harness/heap-and-gc.ts';
import { startPluginGraph } from '../harness/servers.ts';
import { log, POLL_INTERVAL_MS } from '../harness/settings.ts';
import { startSims } from '../harness/simulators.ts';
import { gql } from '../harness/targets.ts';

/** Live task counts of the cost-growth scenario (BENCH_COST_TASKS, comma list). */
export const TASK_COUNTS = (process.env.BENCH_COST_TASKS ?? '1,100,1000').split(',').map(Number);
/** Poll intervals the window of one row spans. */
export const WINDOW_INTERVALS = 5;

/** Enough generated fleet for the largest row: 1,000 SDM plug-ins, ~1,000 stopped HSS `edr` rows. */
const TASK_SCALE = {
  ...SIMULATOR_SCALE_DEFAULTS,
  hosts: 6_000,
  plugins: 3,
  sdmPlugins: 1_000,
  members: 3,
};
const TASK_SCALE_TEXT = `hosts:${TASK_SCALE.hosts},plugins:${TASK_SCALE.plugins},sdmPlugins:${TASK_SCALE.sdmPlugins},members:${TASK_SCALE.members}`;
const HSS_CODE = HSS_FIXTURES.plugins[1]?.code ?? 'edr';

export interface TaskRow {
  readonly kind: 'SDM' | 'HSS';
  readonly tasks: number;
  /** Tasks the mutations started (RUNNING), out of `tasks`. */
  readonly started: number;
  /** Calls the vendor received per poll interval, over WINDOW_INTERVALS intervals. */
  readonly callsPerInterval: number;
  /** Reads of task state per poll interval: lists asked (whatever their pages), single gets. */
  readonly readsPerInterval: number;
  /** Plugin codes the live tasks span (HSS: one; SDM: one list covers all plug-ins). */
  readonly codes: number;
  /** Server CPU over the window, % of one core. */
  readonly cpuPercent: number;
}

const SDM_ACTION = `mutation($id: ID!, $action: PluginAction!) { performPluginAction(input: { pluginId: $id, action: $action }) {
  __typename ... on PerformPluginActionPayload { task { status } } } }`;
const HSS_START = `mutation($code: String!, $host: ID!) { startPlugin(input: { pluginCode: $code, hostIds: [$host] }) {
  __typename ... on StartPluginPayload { task { status } } } }`;

interface Started {
  data?: Record<string, { __typename: string; task?: { status: string } }>;
}

/** The mutations that start `n` slow tasks of `kind`, each on its own target. */
function taskMutations(kind: 'SDM' | 'HSS', n: number): { query: string; variables: object }[] {
  if (kind === 'SDM') {
    return sdmScaledFleet(TASK_SCALE)
      .slice(0, n)
      .map((p) => ({
        query: SDM_ACTION,
        variables: {
          id: p.id,
          // The vendor's rule: an action takes members in its from-states (sdm/simulator.ts).
          action: p.members.some((m) => m.pluginStatus === 'INSTALLED') ? 'UNINSTALL' : 'INSTALL',
        },
      }));
  }
  const fleet = hssScaledFleet(TASK_SCALE);
  const edr = fleet.plugins.find((p) => p.code === HSS_CODE);
  const hosts = fleet.hosts
    .map((h, i) => ({ h, i }))
    .filter(
      ({ h, i }) =>
        edr !== undefined && h.agentStatus === 'online' && fleet.statusOf?.(edr, i) === 'stopped',
    )
    .slice(0, n);
  if (hosts.length < n) throw new Error(`cost growth: only ${hosts.length} stopped HSS rows`);
  return hosts.map(({ h }) => ({
    query: HSS_START,
    variables: { code: HSS_CODE, host: h.hostId },
  }));
}

/** Starts `mutations` 25 at a time; answers how many tasks came back live. */
async function startTasks(url: string, mutations: { query: string; variables: object }[]) {
  let started = 0;
  // 25 at a time: starting 1,000 tasks should not take longer than measuring them.
  for (let i = 0; i < mutations.length; i += 25) {
    const answers = await Promise.all(
      mutations.slice(i, i + 25).map((m) => gql<Started>(url, m.query, m.variables)),
    );
    for (const a of answers) {
      const payload = Object.values(a.data ?? {})[0];
      if (payload?.task?.status === 'RUNNING' || payload?.task?.status === 'QUEUED') started++;
    }
  }
  return started;
}

/**
 * One kind's rows on one simulator and server process: tasks are added up to each count in
 * TASK_COUNTS (they stay live: steps of ten minutes), and each count gets its own window.
 */
async function measureKind(kind: 'SDM' | 'HSS'): Promise<TaskRow[]> {
  const sims = await startSims({ SIMULATOR_SCALE: TASK_SCALE_TEXT, BENCH_SIM_STEP_MS: '600000' });
  const pg = await startPluginGraph(sims.info, {
    SDM_URL: sims.info.sdm.url,
    SDM_USERNAME: sims.info.sdm.username,
    SDM_PASSWORD: sims.info.sdm.password,
  });
  try {
    const all = taskMutations(kind, Math.max(...TASK_COUNTS));
    const rows: TaskRow[] = [];
    let started = 0;
    let live = 0;
    for (const n of [...TASK_COUNTS].sort((a, b) => a - b)) {
      log(`cost growth: ${n} live ${kind} task${n === 1 ? '' : 's'} ...`);
      started += await startTasks(pg.url, all.slice(live, n));
      live = n;
      // One interval for every new poller to be on its period, then the window.
      await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS));
      await sims.clear();
      const cpu0 = await cpuOf(pg);
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, WINDOW_INTERVALS * POLL_INTERVAL_MS));
      const calls = await sims.count(kind === 'SDM' ? 'sdm' : 'hss');
      // What a poll reads: SDM's plug-in list or one plug-in; HSS's ListPluginStatus.
      const reads =
        kind === 'SDM'
          ? await sims.reads('sdm', /\/admin\/plugins(\/[^/]+)?$/)
          : await sims.reads('hss', /\/plugins\/attachments$/);
      const cpu1 = await cpuOf(pg);
      const elapsedMs = performance.now() - t0;
      rows.push({
        kind,
        tasks: n,
        started,
        callsPerInterval: calls / (elapsedMs / POLL_INTERVAL_MS),
        readsPerInterval: reads / (elapsedMs / POLL_INTERVAL_MS),
        codes: 1,
        cpuPercent: ((cpu1 - cpu0) / 1_000 / elapsedMs) * 100,
      });
    }
    return rows;
  } finally {
    await pg.stop();
    await sims.stop();
  }
}

/** 1, 100 and 1,000 live SDM plug-in actions, then as many HSS starts (fresh processes per kind). */
export async function measureLiveTasks(): Promise<TaskRow[]> {
  return [...(await measureKind('SDM')), ...(await measureKind('HSS'))];
}
