import { afterEach, describe, expect, it } from 'vitest';
import { ApplianceClient } from '../../src/backends/appliance/client.ts';
import {
  type ApplianceSimulator,
  startApplianceSimulator,
} from '../../src/backends/appliance/simulator.ts';
import { HssClient } from '../../src/backends/hss/client.ts';
import { HSS_FIXTURES, type HssFixtures, hssFleet } from '../../src/backends/hss/fixtures.ts';
import { type HssSimulator, startHssSimulator } from '../../src/backends/hss/simulator.ts';
import { validateStartInput } from '../../src/backends/hss/validation.ts';
import { SdmClient } from '../../src/backends/sdm/client.ts';
import { SDM_FIXTURE, type SdmFixturePlugin } from '../../src/backends/sdm/fixtures.ts';
import { type SdmSimulator, startSdmSimulator } from '../../src/backends/sdm/simulator.ts';
import { MAX_CONCURRENT_POLLS_PER_ENDPOINT } from '../../src/tasks/poll-limit.ts';
import { MemoryTaskStore } from '../../src/tasks/store.ts';
import { TaskTracker, type TaskTrackerOptions } from '../../src/tasks/tracker.ts';
import { isTerminal, type Task } from '../../src/tasks/types.ts';
import { waitFor } from '../helpers/wait-for.ts';

/**
 * Poll rounds against the simulators, counted in vendor calls (never in time): synthesized tasks
 * of one endpoint share one read per round (SDM: the plug-in list; HSS: one status read per
 * plugin code), vendor-native tasks stay one call each but never more than the cap at once.
 */

const LIVE = 100;
let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

interface Round {
  readonly kind: string;
  readonly tasks: number;
}

function trackerWith(
  pollers: TaskTrackerOptions['pollers'],
  options: Partial<TaskTrackerOptions> = {},
) {
  const rounds: Round[] = [];
  const store = new MemoryTaskStore(60);
  const tracker = new TaskTracker({
    store,
    pollers,
    intervalMs: 10,
    graceMs: 5_000,
    onRound: (round) => rounds.push(round),
    ...options,
  });
  cleanup.push(() => tracker.close());
  return { tracker, rounds, store };
}

/** ListPluginStatus calls the simulator got since its last clearLog, and what each asked for. */
function statusReads(sim: HssSimulator) {
  return sim.server.requests
    .filter((q) => q.method === 'GET' && q.path.endsWith('/plugins/attachments'))
    .map((q) => ({
      code: q.query.get('plugin_code'),
      status: q.query.get('plugin_status'),
      hostIds: q.query.getAll('host_ids'),
      offset: Number(q.query.get('offset') ?? 0),
    }));
}

/** A tracker over `client`'s pollers; the simulator, client and tracker close after the test. */
function tracking(
  sim: { close(): Promise<void> },
  client: { pollers(): TaskTrackerOptions['pollers']; close(): Promise<void> },
  options: Partial<TaskTrackerOptions> = {},
) {
  cleanup.push(
    () => sim.close(),
    () => client.close(),
  );
  return trackerWith(client.pollers(), options);
}

async function allFinished(tracker: TaskTracker, tasks: readonly Task[]): Promise<Task[]> {
  return waitFor(
    async () => {
      const now = await Promise.all(tasks.map((t) => tracker.get(t.id)));
      return now.every((t) => t && isTerminal(t.status)) ? (now as Task[]) : undefined;
    },
    'every task to end',
    { withinMs: 20_000 },
  );
}

/** 100 plug-ins uploaded and ready to install, besides the usual ones. */
function sdmPlugins(): SdmFixturePlugin[] {
  const template = SDM_FIXTURE.plugins.find((p) => p.id === 'ID7')!;
  const extra = Array.from({ length: LIVE }, (_, i) => ({ ...template, id: `P${i + 1}` }));
  return [...SDM_FIXTURE.plugins, ...extra];
}

/** 50 hosts with ndr and edr stopped on each: 100 start tasks over two plugin codes. */
function twoCodeFleet(): HssFixtures {
  const fleet = hssFleet(LIVE / 2);
  const edr = HSS_FIXTURES.plugins.find((p) => p.code === 'edr')!;
  const states = { ...fleet.states };
  for (const host of fleet.hosts) states[`edr@${host.hostId}`] = 'stopped';
  return { plugins: [...fleet.plugins, edr], hosts: fleet.hosts, states };
}

describe('batched polls of synthesized tasks', () => {
  it('100 live SDM actions on one endpoint cost one plug-in list per round', async () => {
    const sim: SdmSimulator = await startSdmSimulator({ stepMs: 30, fixtures: sdmPlugins() });
    const client = new SdmClient(sim.config(), { timeoutMs: 5_000 });
    const { tracker, rounds } = tracking(sim, client);
    sim.server.clearLog();

    const tasks = await Promise.all(
      Array.from({ length: LIVE }, (_, i) =>
        tracker.launch({
          backend: 'sdm',
          operation: 'PLUGIN_INSTALL',
          target: { type: 'Plugin', id: `sdm:P${i + 1}` },
          start: () => client.startAction(`P${i + 1}`, 'install'),
        }),
      ),
    );
    const done = await allFinished(tracker, tasks);
    expect(done.map((t) => t.status)).toEqual(tasks.map(() => 'SUCCESS'));

    const lists = () => sim.server.count({ method: 'GET', path: /\/admin\/plugins$/ });
    await waitFor(async () => rounds.length >= lists(), 'a round recorded for every list');
    // Not one Get Plug-in Information per task: one list per round, for every live task.
    expect(sim.server.count({ method: 'GET', path: /\/admin\/plugins\/[^/]+$/ })).toBe(0);
    expect(lists()).toBe(rounds.length);
    // Every task was polled (at least once each), through those reads only.
    expect(rounds.reduce((sum, r) => sum + r.tasks, 0)).toBeGreaterThanOrEqual(LIVE);
  }, 30_000);

  it('one live SDM action among 600 plug-ins reads Get Plug-in Information, not the 2-page list', async () => {
    const template = SDM_FIXTURE.plugins.find((p) => p.id === 'ID7')!;
    const many = Array.from({ length: 600 }, (_, i) => ({ ...template, id: `P${i + 1}` }));
    const sim: SdmSimulator = await startSdmSimulator({ stepMs: 500, fixtures: many });
    const client = new SdmClient(sim.config(), { timeoutMs: 5_000 });
    const { tracker, rounds } = tracking(sim, client);
    sim.server.clearLog();

    const task = await tracker.launch({
      backend: 'sdm',
      operation: 'PLUGIN_INSTALL',
      target: { type: 'Plugin', id: 'sdm:P7' },
      start: () => client.startAction('P7', 'install'),
    });
    const [done] = await allFinished(tracker, [task]);
    expect(done?.status).toBe('SUCCESS');

    const lists = sim.server.count({ method: 'GET', path: /\/admin\/plugins$/ });
    const infos = sim.server.count({ method: 'GET', path: /\/admin\/plugins\/P7$/ });
    // The first round lists (2 pages: 500 + 100) and learns the size; every later round is one
    // Get Plug-in Information of the one live plug-in.
    expect(rounds.length).toBeGreaterThan(2);
    expect(lists).toBe(2);
    expect(infos).toBe(rounds.length - 1);
    expect(sim.server.count({ method: 'GET', path: /\/admin\/plugins\/(?!P7$)[^/]+$/ })).toBe(0);
  }, 30_000);

  it('100 live HSS starts on 2 plugin codes cost one status read per code per round', async () => {
    const sim: HssSimulator = await startHssSimulator({ stepMs: 30, fixtures: twoCodeFleet() });
    const client = new HssClient(sim.config(), { timeoutMs: 5_000 });
    const { tracker, rounds } = tracking(sim, client);
    const hosts = twoCodeFleet().hosts.map((h) => h.hostId);
    sim.server.clearLog();

    const tasks = await Promise.all(
      ['ndr', 'edr'].flatMap((pluginCode) =>
        hosts.map((host) =>
          tracker.launch({
            backend: 'hss',
            operation: 'START_PLUGIN',
            start: () => client.startPlugin(validateStartInput({ pluginCode, hostIds: [host] })),
          }),
        ),
      ),
    );
    const done = await allFinished(tracker, tasks);
    expect(done.map((t) => t.status)).toEqual(tasks.map(() => 'SUCCESS'));

    const reads = statusReads(sim);
    const underWay = reads.filter((q) => q.status === 'starting');
    // One read of each code's starting hosts per round (a page: 50 rows each), whatever the
    // task count; as hosts leave `starting`, each one's row is asked for once, by host_ids.
    expect(underWay.length).toBeLessThanOrEqual(rounds.length * 2);
    expect(new Set(underWay.map((q) => q.code))).toEqual(new Set(['ndr', 'edr']));
    for (const code of ['ndr', 'edr']) {
      const asked = reads.filter((q) => q.code === code).flatMap((q) => q.hostIds);
      expect(asked.sort()).toEqual([...hosts].sort());
    }
    // Every task was polled (at least once each), through those reads only.
    expect(rounds.reduce((sum, r) => sum + r.tasks, 0)).toBeGreaterThanOrEqual(LIVE);
  }, 30_000);

  it('300 live HSS starts on one code: one read of its starting hosts per round, each finished host asked once', async () => {
    const fleet = hssFleet(300);
    const sim: HssSimulator = await startHssSimulator({ stepMs: 30, fixtures: fleet });
    const client = new HssClient(sim.config(), { timeoutMs: 5_000 });
    const { tracker, rounds } = tracking(sim, client);

    const tasks = await Promise.all(
      fleet.hosts.map((host) =>
        tracker.launch({
          backend: 'hss',
          operation: 'START_PLUGIN',
          start: () =>
            client.startPlugin(validateStartInput({ pluginCode: 'ndr', hostIds: [host.hostId] })),
        }),
      ),
    );
    // From here only polls read (each start checked its own host with host_ids).
    sim.server.clearLog();
    const roundsBefore = rounds.length;
    const done = await allFinished(tracker, tasks);
    expect(done.map((t) => t.status)).toEqual(tasks.map(() => 'SUCCESS'));

    const reads = statusReads(sim);
    const underWay = reads.filter((q) => q.status === 'starting');
    // A round is one read of the code's starting hosts (2 pages of 200 while all 300 start), no
    // host named in its URL; the ids asked afterwards are the hosts that left, each once, in
    // chunks of at most 100, never 4 chunks of every target every round.
    expect(underWay.every((q) => q.hostIds.length === 0)).toBe(true);
    expect(underWay.filter((q) => q.offset === 0).length).toBeLessThanOrEqual(
      rounds.length - roundsBefore + 1,
    );
    const asked = reads.flatMap((q) => q.hostIds);
    expect(asked.sort()).toEqual(fleet.hosts.map((h) => h.hostId).sort());
    expect(Math.max(...reads.map((q) => q.hostIds.length))).toBeLessThanOrEqual(100);
    expect(rounds.reduce((sum, r) => sum + r.tasks, 0)).toBeGreaterThanOrEqual(300);
  }, 30_000);

  it('a batch read that fails retries every task in it within grace, then all finish', async () => {
    const sim = await startSdmSimulator({ stepMs: 0, fixtures: sdmPlugins() });
    const client = new SdmClient(sim.config(), { timeoutMs: 2_000 });
    const failures: string[] = [];
    const { tracker } = tracking(sim, client, {
      onPollError: (task) => failures.push(task.id),
    });
    // Plug-in lists answer 503 (no retry helps): rounds fail whole until every task of the
    // batch has heard of a failure. A fixed count of failing reads raced the launches on a busy
    // machine: a task launched after the last of them never saw one (issue 26.7).
    sim.server.inject(
      { kind: 'status', status: 503 },
      { match: (r) => r.method === 'GET' && /\/admin\/plugins$/.test(r.path) },
    );
    const tasks = await Promise.all(
      [1, 2, 3].map((i) =>
        tracker.launch({
          backend: 'sdm',
          operation: 'PLUGIN_INSTALL',
          start: () => client.startAction(`P${i}`, 'install'),
        }),
      ),
    );
    // Every task of the batch hears about the failure (its grace counted), none is dropped...
    await waitFor(
      async () => tasks.every((t) => failures.includes(t.id)),
      'every task to hear the failure',
    );
    sim.server.clearFaults();
    // ...and all finish once the vendor answers again, within grace.
    const done = await allFinished(tracker, tasks);
    expect(done.map((t) => [t.status, t.error?.code])).toEqual(
      tasks.map(() => ['SUCCESS', undefined]),
    );
  }, 30_000);

  it("a finished task's stored record drops its poll parameters", async () => {
    const sim = await startHssSimulator({ stepMs: 0, fixtures: twoCodeFleet() });
    const client = new HssClient(sim.config(), { timeoutMs: 2_000 });
    const { tracker, store } = tracking(sim, client);
    const hosts = twoCodeFleet().hosts.map((h) => h.hostId);
    const task = await tracker.launch({
      backend: 'hss',
      operation: 'START_PLUGIN',
      start: () => client.startPlugin(validateStartInput({ pluginCode: 'ndr', hostIds: hosts })),
    });
    expect((await store.get(task.id))?.poll?.params.hostIds).toEqual(hosts);
    const [done] = await allFinished(tracker, [task]);
    expect(done?.status).toBe('SUCCESS');
    // 50 host ids (5,000 with operateAll) are of no use once the task ended: not kept for its TTL.
    expect((await store.get(task.id))?.poll).toBeUndefined();
  }, 30_000);
});

describe('vendor-native polls', () => {
  it(`30 appliance tasks never have more than ${MAX_CONCURRENT_POLLS_PER_ENDPOINT} polls in flight`, async () => {
    const sim: ApplianceSimulator = await startApplianceSimulator({ installMs: 200 });
    const client = new ApplianceClient(sim.config(), { timeoutMs: 5_000 });
    const { tracker } = tracking(sim, client);
    const install = await client.installUpdate('9.0.3.0');
    // Every poll answers slowly, so polls pile up unless something bounds them.
    sim.server.inject({ kind: 'latency', ms: 40 }, { match: (r) => r.method === 'GET' });
    sim.server.clearLog();
    const tasks = await Promise.all(
      Array.from({ length: 30 }, () =>
        tracker.launch({
          backend: 'appliance',
          operation: 'INSTALL_UPDATE',
          start: async () => install,
        }),
      ),
    );
    const done = await allFinished(tracker, tasks);
    expect(done.map((t) => t.status)).toEqual(tasks.map(() => 'SUCCESS'));
    expect(sim.server.peakInFlight()).toBeLessThanOrEqual(MAX_CONCURRENT_POLLS_PER_ENDPOINT);
    expect(sim.server.count({ method: 'GET' })).toBeGreaterThanOrEqual(30);
  }, 30_000);
});
