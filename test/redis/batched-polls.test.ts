import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { SDM_FIXTURE } from '../../src/backends/sdm/fixtures.ts';
import { type SdmSimulator, startSdmSimulator } from '../../src/backends/sdm/simulator.ts';
import { loadConfig } from '../../src/config/index.ts';
import { createRuntime, type Runtime } from '../../src/runtime.ts';
import type { GraphQLResponse } from '../helpers/runtime.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { type RedisServer, SKIP_REDIS, startRedis } from './redis-server.ts';

/**
 * Scaled out, each instance batches the tasks whose lease it holds: two instances on one Redis
 * and one SDM, each launching its own plug-in actions, poll them with plug-in lists of their own
 * session (one list per round each), never with a Get Plug-in Information per task.
 */

const PER_INSTANCE = 10;
let sim: SdmSimulator | undefined;
let redis: RedisServer | undefined;
let runtimes: Runtime[] = [];
afterEach(async () => {
  for (const r of runtimes) await r.close();
  await sim?.close();
  await redis?.stop();
  runtimes = [];
  sim = undefined;
  redis = undefined;
});

async function gql<T>(r: Runtime, query: string, variables?: Record<string, unknown>) {
  const res = await r.app.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as GraphQLResponse<T>;
}

const ACTION = `mutation($id: ID!) { performPluginAction(input: { pluginId: $id, action: INSTALL }) {
  __typename ... on PerformPluginActionPayload { task { id } } } }`;
const TASK = 'query($id: ID!) { task(id: $id) { status } }';

describe.skipIf(SKIP_REDIS)('batched polls on two instances', () => {
  it('each instance batches its own tasks with plug-in lists of its own session, no per-task read', async () => {
    const template = SDM_FIXTURE.plugins.find((p) => p.id === 'ID7')!;
    const plugins = Array.from({ length: 2 * PER_INSTANCE }, (_, i) => ({
      ...template,
      id: `P${i + 1}`,
    }));
    sim = await startSdmSimulator({ stepMs: 20, fixtures: plugins });
    redis = await startRedis();
    for (let i = 0; i < 2; i++) {
      runtimes.push(
        createRuntime(
          {
            ...loadConfig({ PLUGIN_GRAPH_AUTH: 'none', REDIS_URL: redis.url }),
            backends: { sdm: sim.config() },
            backendTimeoutMs: 2_000,
            taskPollIntervalMs: 20,
            taskGraceMs: 2_000,
          },
          pino({ level: 'silent' }),
        ),
      );
    }
    sim.server.clearLog();
    const ids = await Promise.all(
      plugins.map(async (p, i) => {
        const res = await gql<{ performPluginAction: { task?: { id: string } } }>(
          runtimes[i % 2]!,
          ACTION,
          { id: p.id },
        );
        expect(res.errors).toBeUndefined();
        return res.data!.performPluginAction.task!.id;
      }),
    );
    for (const id of ids) {
      const status = await waitFor(
        async () => {
          const s = (await gql<{ task: { status: string } }>(runtimes[0]!, TASK, { id })).data?.task
            .status;
          return s === 'SUCCESS' || s === 'ERROR' ? s : undefined;
        },
        'the task to end',
        { withinMs: 20_000 },
      );
      expect(status).toBe('SUCCESS');
    }
    const reads = sim.server.requests.filter((r) => r.method === 'GET');
    expect(reads.filter((r) => /\/admin\/plugins\/[^/]+$/.test(r.path))).toEqual([]);
    // Both instances polled (their own sessions), each with plug-in lists.
    const sessions = new Set(
      reads
        .filter((r) => /\/admin\/plugins$/.test(r.path))
        .map((r) => /JSESSIONID=([^;]+)/.exec(r.headers.cookie ?? '')?.[1]),
    );
    expect(sessions.size).toBe(2);
  }, 40_000);
});
