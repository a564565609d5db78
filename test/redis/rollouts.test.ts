import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient as createSseClient } from 'graphql-sse';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { hssFleet } from '../../src/backends/hss/fixtures.ts';
import { type HssSimulator, startHssSimulator } from '../../src/backends/hss/simulator.ts';
import { type Config, loadConfig } from '../../src/config/index.ts';
import { createRuntime, type Runtime } from '../../src/runtime.ts';
import { hssFileEndpoint } from '../helpers/hss-fleet.ts';
import type { GraphQLResponse } from '../helpers/runtime.ts';
import { startServerProcess } from '../helpers/server-process.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { type RolloutResult, START_ROLLOUT, starts, stepStarted } from '../rollouts/helpers.ts';
import { type Listening, listen } from '../subscriptions/helpers.ts';
import { type RedisServer, SKIP_REDIS, startRedis } from './redis-server.ts';

/**
 * Rollouts shared through Redis (issue 29): one instance drives a rollout under a lease; a
 * pause, resume or cancel sent to another instance takes effect; `rolloutProgress` on an
 * instance that does not drive it sees every change; once the driving instance is gone another
 * one takes over and finishes, each unit sent exactly once.
 */
const CHANGE = (field: string) => `mutation($id: ID!) {
  ${field}(input: { id: $id }) { __typename ... on ${field[0]?.toUpperCase()}${field.slice(1)}Payload {
    rollout { status counts { pending running succeeded } } } }
}`;
type ChangeResult = Record<
  string,
  { __typename: string; rollout?: { status: string; counts: Record<string, number> } }
>;
const READ = `query($id: ID!) {
  rollout(id: $id) { status units(first: 10) { edges { node { status task { status } } } } }
}`;
interface Read {
  rollout: {
    status: string;
    units: { edges: { node: { status: string; task: { status: string } | null } }[] };
  } | null;
}
const PROGRESS = `subscription($id: ID!) {
  rolloutProgress(id: $id) { status completedAt counts { pending running succeeded } }
}`;
interface ProgressEvent {
  status: string;
  completedAt: string | null;
  counts: { pending: number; running: number; succeeded: number };
}

interface Node {
  readonly runtime: Runtime;
  readonly http: Listening;
  gql<T>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>>;
  close(): Promise<void>;
}

async function node(redisUrl: string, sim: HssSimulator): Promise<Node> {
  const base = loadConfig({
    PLUGIN_GRAPH_AUTH: 'none',
    PLUGIN_GRAPH_DEMO: '1',
    REDIS_URL: redisUrl,
  });
  const config: Config = {
    ...base,
    demo: false,
    backends: {},
    endpoints: [hssFileEndpoint('hss-eu', sim, 0)],
    backendTimeoutMs: 1_000,
    taskPollIntervalMs: 25,
    taskGraceMs: 1_000,
  };
  const runtime = createRuntime(config, pino({ level: 'silent' }));
  const http = await listen(runtime.app);
  return {
    runtime,
    http,
    async gql(query, variables) {
      const res = await runtime.app.fetch('http://localhost/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables }),
      });
      return (await res.json()) as GraphQLResponse<never>;
    },
    async close() {
      await http.close();
      await runtime.close();
    },
  };
}

describe.skipIf(SKIP_REDIS)('rollouts shared through Redis', () => {
  let redis: RedisServer;
  const open: { close(): Promise<void> }[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });
  afterEach(async () => {
    for (const item of open.splice(0).reverse()) await item.close().catch(() => undefined);
    // Each test its own fleet: no inventory snapshot of the previous test's simulator is kept.
    const client = new Redis(redis.url);
    await client.flushall();
    client.disconnect();
  });

  it('started on A, paused, resumed and followed on B; B finishes once A is gone, each unit sent once', async () => {
    // A long HSS step: a unit runs at the vendor until the test completes it (sim.step()).
    const sim = await startHssSimulator({ stepMs: 3_600_000, fixtures: hssFleet(3) });
    open.push(sim);
    const a = await node(redis.url, sim);
    const b = await node(redis.url, sim);
    open.push(b, a);

    const res = await a.gql<RolloutResult>(START_ROLLOUT, {
      input: { action: { startPlugin: { pluginCode: 'ndr' } }, hostsPerUnit: 1 },
    });
    const id = res.data?.startRollout.rollout?.id as string;
    expect(res.data?.startRollout.rollout?.status).toBe('RUNNING');

    // rolloutProgress on B, which does not drive the rollout, over SSE.
    const events: ProgressEvent[] = [];
    const client = createSseClient({ url: b.http.url, retryAttempts: 0 });
    const streamed = (async () => {
      const results = client.iterate({ query: PROGRESS, variables: { id } }) as AsyncIterable<{
        data?: { rolloutProgress: ProgressEvent } | null;
        errors?: unknown;
      }>;
      for await (const r of results) {
        if (r.errors) throw new Error(JSON.stringify(r.errors));
        if (r.data) events.push(r.data.rolloutProgress);
      }
    })();
    try {
      await waitFor(() => starts(sim) === 1 || undefined, 'the first unit sent by A');
      await waitFor(() => events.length > 0 || undefined, 'the first progress event on B');

      const paused = await b.gql<ChangeResult>(CHANGE('pauseRollout'), { id });
      expect(paused.data?.pauseRollout?.rollout?.status).toBe('PAUSED');
      await stepStarted(sim, 1); // the first unit ends; paused: nothing starts after it
      await waitFor(
        () => events.some((e) => e.status === 'PAUSED' && e.counts.succeeded === 1) || undefined,
        'B to see the first unit end while paused',
        { seen: () => events },
      );
      expect(starts(sim)).toBe(1);

      const resumed = await b.gql<ChangeResult>(CHANGE('resumeRollout'), { id });
      expect(resumed.data?.resumeRollout?.rollout?.status).toBe('RUNNING');
      await waitFor(() => starts(sim) === 2 || undefined, 'the second unit sent after resume');

      // A goes away with the second unit running at the vendor: B takes the rollout over.
      open.splice(open.indexOf(a), 1);
      await a.close();
      for (let sent = 2; sent <= 3; sent++) await stepStarted(sim, sent);
      await streamed;
    } finally {
      client.dispose();
    }
    const last = events.at(-1);
    expect(last?.status).toBe('SUCCEEDED');
    expect(last?.completedAt).not.toBeNull();
    expect(last?.counts).toEqual({ pending: 0, running: 0, succeeded: 3 });
    // Each unit's vendor call exactly once, across both instances.
    expect(starts(sim)).toBe(3);
    // B saw every state in order: the pause, the first unit's end, the resume, the rest.
    const statuses = events.map((e) => e.status).filter((s, i, all) => s !== all[i - 1]);
    expect(statuses).toEqual(['RUNNING', 'PAUSED', 'RUNNING', 'SUCCEEDED']);
    const done = events.map((e) => e.counts.succeeded);
    expect([...done].sort((x, y) => x - y)).toEqual(done);
    expect(new Set(done)).toEqual(new Set([0, 1, 2, 3]));
  });

  it('A killed -9 mid-rollout: once its lease lapses B drives on, each unit sent once', async () => {
    const sim = await startHssSimulator({ stepMs: 3_600_000, fixtures: hssFleet(3) });
    open.push(sim);
    const hss = sim.config();
    if (hss.auth.mode !== 'aksk') throw new Error('expected AK/SK');
    // A: the real server in its own process, its HSS endpoint `hss-eu` from an endpoints file.
    const dir = mkdtempSync(join(tmpdir(), 'pg-rollout-redis-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(
      join(dir, 'endpoints.yaml'),
      `endpoints:
  - name: hss-eu
    backend: hss
    url: ${hss.url}
    projectId: "${hss.projectId}"
    accessKey: { env: HSS_TEST_AK }
    secretKey: { env: HSS_TEST_SK }
`,
    );
    const a = await startServerProcess({
      PLUGIN_GRAPH_AUTH: 'none',
      REDIS_URL: redis.url,
      LOG_LEVEL: 'info', // startServerProcess waits for the start-up line
      TASK_POLL_INTERVAL_MS: '25',
      BACKEND_TIMEOUT_MS: '1000',
      PLUGIN_GRAPH_ENDPOINTS_FILE: join(dir, 'endpoints.yaml'),
      HSS_TEST_AK: hss.auth.accessKey,
      HSS_TEST_SK: hss.auth.secretKey,
    });
    open.push({
      close: async () => {
        a.proc.kill('SIGKILL');
        await a.exited;
      },
    });
    const b = await node(redis.url, sim);
    open.push(b);
    const started = await fetch(a.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: START_ROLLOUT,
        variables: { input: { action: { startPlugin: { pluginCode: 'ndr' } }, hostsPerUnit: 1 } },
      }),
    });
    const res = (await started.json()) as GraphQLResponse<RolloutResult>;
    const id = res.data?.startRollout.rollout?.id as string;
    expect(res.data?.startRollout.rollout?.status, JSON.stringify(res)).toBe('RUNNING');
    expect(res.data?.startRollout.rollout?.counts.total).toBe(3);
    // Seen from B: the first unit's task is running at the vendor. Then A dies, its leases held.
    await waitFor(async () => {
      const r = await b.gql<Read>(READ, { id });
      return r.data?.rollout?.units.edges[0]?.node.task?.status === 'RUNNING' || undefined;
    }, "the first unit's task RUNNING");
    expect(starts(sim)).toBe(1);
    a.proc.kill('SIGKILL');
    await a.exited;

    const feed = await b.runtime.rollouts.watch(Buffer.from(id, 'base64').toString().slice(8));
    if (!feed) throw new Error('rollout not found on B');
    const states: string[] = [];
    const done = (async () => {
      for await (const state of feed) states.push(state.status);
    })();
    for (let sent = 1; sent <= 3; sent++) await stepStarted(sim, sent);
    await done;
    expect(states.at(-1)).toBe('SUCCEEDED');
    const last = await b.gql<Read>(READ, { id });
    expect(last.data?.rollout?.units.edges.map((e) => e.node.status)).toEqual([
      'SUCCEEDED',
      'SUCCEEDED',
      'SUCCEEDED',
    ]);
    expect(starts(sim)).toBe(3);
  });
});
