import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApplianceSimulator,
  startApplianceSimulator,
} from '../../src/backends/appliance/simulator.ts';
import { type Config, type EndpointConfig, loadConfig } from '../../src/config/index.ts';
import { createRuntime, type Runtime } from '../../src/runtime.ts';
import type { GraphQLResponse } from '../helpers/runtime.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { type RedisServer, SKIP_REDIS, startRedis } from './redis-server.ts';

/**
 * SPEC §10 with Redis: a task on one appliance of a fleet carries its endpoint (its poll spec
 * names `appliance.task@dr-a`), so another instance taking it over polls that appliance.
 */
const INSTALL = `mutation($input: InstallUpdateInput!) {
  installUpdate(input: $input) { __typename ... on InstallUpdatePayload { task { id endpoint } } }
}`;

function runtimeOn(
  redisUrl: string,
  sims: { drA: ApplianceSimulator; drB: ApplianceSimulator },
): Runtime {
  const base = loadConfig({
    PLUGIN_GRAPH_AUTH: 'none',
    PLUGIN_GRAPH_DEMO: '1',
    REDIS_URL: redisUrl,
  });
  const endpoint = (name: string, i: number, sim: ApplianceSimulator): EndpointConfig => ({
    name,
    backend: 'appliance',
    source: 'file',
    origin: `endpoints[${i}]`,
    settings: sim.config(),
  });
  const config: Config = {
    ...base,
    demo: false,
    backends: {},
    endpoints: [endpoint('dr-a', 0, sims.drA), endpoint('dr-b', 1, sims.drB)],
    backendTimeoutMs: 1_000,
    taskPollIntervalMs: 25,
    taskGraceMs: 1_000,
  };
  return createRuntime(config, pino({ level: 'silent' }));
}

async function gql<T>(rt: Runtime, query: string, variables?: Record<string, unknown>) {
  const res = await rt.app.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as GraphQLResponse<T>;
}

const taskPolls = (sim: ApplianceSimulator) =>
  sim.server.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/tasks/'));

describe.skipIf(SKIP_REDIS)('a fleet task taken over through Redis', () => {
  let redis: RedisServer;
  const open: { close(): Promise<void> }[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });
  afterEach(async () => {
    for (const item of open.splice(0).reverse()) await item.close();
  });

  it('instance B polls the task of dr-a once A hands it over; dr-b is never polled', async () => {
    const drA = await startApplianceSimulator({ installMs: 1_000 });
    const drB = await startApplianceSimulator({ installMs: 1_000 });
    open.push(drA, drB);
    const a = runtimeOn(redis.url, { drA, drB });
    const b = runtimeOn(redis.url, { drA, drB });
    open.push(b);
    const res = await gql<{ installUpdate: { task?: { id: string; endpoint: string } } }>(
      a,
      INSTALL,
      { input: { version: '9.0.3.0', endpoint: 'dr-a' } },
    );
    const task = res.data?.installUpdate.task;
    expect(task?.endpoint).toBe('dr-a');
    await waitFor(async () => taskPolls(drA).length >= 1, 'a task poll by dr-a');
    await a.close(); // hands its lease over
    const done = await waitFor(async () => {
      const r = await gql<{ task: { status: string; endpoint: string } | null }>(
        b,
        'query($id: ID!) { task(id: $id) { status endpoint } }',
        { id: task?.id },
      );
      return r.data?.task?.status === 'SUCCESS' ? r.data.task : undefined;
    }, 'the task to end SUCCESS');
    expect(done).toEqual({ status: 'SUCCESS', endpoint: 'dr-a' });
    const sessions = new Set(taskPolls(drA).map((r) => String(r.headers['x-dr-session'])));
    expect(sessions.size).toBe(2); // A's polls, then B's
    expect(taskPolls(drB)).toHaveLength(0);
  });
});
