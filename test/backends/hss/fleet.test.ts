import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { hssFleet } from '../../../src/backends/hss/fixtures.ts';
import { type HssSimulator, startHssSimulator } from '../../../src/backends/hss/simulator.ts';
import { GATEWAY_MAX_URL_BYTES, requestUrl } from '../../../src/backends/hss/simulator-gateway.ts';
import { loadConfig } from '../../../src/config/index.ts';
import { createRuntime, type Runtime } from '../../../src/runtime.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { type RedisServer, SKIP_REDIS, startRedis } from '../../redis/redis-server.ts';

/**
 * An operateAll task on a fleet of 5,000 servers, through the real tracker and poller: it ends
 * SUCCESS, and no request URL grows with the fleet (the simulated gateway answers 431 over
 * 8 KiB, as the vendor's did from ~400 hosts when every host id went into the poll's query).
 * In Redis mode too: the poll spec keeps the 5,000 targets (~190 KB of JSON), stored and
 * re-read by the poller through Redis.
 */

const FLEET = 5_000;
/** ListPluginStatus `limit` tops out at 200: a chunk never names more hosts than a page holds. */
const VENDOR_PAGE = 200;

let sim: HssSimulator | undefined;
let runtime: Runtime | undefined;
let redis: RedisServer | undefined;
afterEach(async () => {
  await runtime?.close();
  await sim?.close();
  await redis?.stop();
  runtime = undefined;
  sim = undefined;
  redis = undefined;
});

interface Answer<T> {
  data?: T | null;
  errors?: { extensions?: { code?: string } }[];
}

async function gql<T>(query: string, variables?: Record<string, unknown>): Promise<Answer<T>> {
  const res = await runtime!.app.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as Answer<T>;
}

type TaskView = { status: string; progress: number | null; error: { code: string } | null };

const MODES = [
  { name: 'in memory', redis: false },
  ...(SKIP_REDIS ? [] : [{ name: 'with REDIS_URL', redis: true }]),
];

describe('HSS polls at fleet size', () => {
  it.each(MODES)(
    'an operateAll start on 5,000 hosts reaches SUCCESS, every URL under the limit ($name)',
    async (mode) => {
      sim = await startHssSimulator({ stepMs: 20, fixtures: hssFleet(FLEET) });
      if (mode.redis) redis = await startRedis();
      runtime = createRuntime(
        {
          ...loadConfig({ PLUGIN_GRAPH_DEMO: '1' }),
          demo: false,
          ...(redis ? { redisUrl: redis.url } : {}),
          backends: { hss: sim.config() },
          backendTimeoutMs: 5_000,
          taskPollIntervalMs: 20,
          taskGraceMs: 2_000,
        },
        pino({ level: 'silent' }),
      );

      const started = await gql<{ startPlugin: { __typename: string; task?: { id: string } } }>(
        `mutation { startPlugin(input: { pluginCode: "ndr", operateAll: true }) {
        __typename ... on StartPluginPayload { task { id } } } }`,
      );
      expect(started.errors).toBeUndefined();
      expect(started.data?.startPlugin.__typename).toBe('StartPluginPayload');
      const id = started.data!.startPlugin.task!.id;

      const done = await waitFor(
        async () => {
          const res = await gql<{ task: TaskView }>(
            'query($id: ID!) { task(id: $id) { status progress error { code } } }',
            { id },
          );
          const task = res.data?.task;
          return task && ['SUCCESS', 'ERROR'].includes(task.status) ? task : undefined;
        },
        'the task to end',
        { withinMs: 25_000 },
      );
      expect(done).toEqual({ status: 'SUCCESS', progress: 100, error: null });
      expect(sim.hostsFor('ndr').every((r) => r.pluginStatus === 'running')).toBe(true);

      const requests = sim.server.requests;
      const longest = Math.max(...requests.map((r) => Buffer.byteLength(requestUrl(r))));
      expect(longest).toBeLessThanOrEqual(GATEWAY_MAX_URL_BYTES);
      const listings = requests.filter(
        (r) => r.method === 'GET' && r.path.endsWith('/attachments'),
      );
      // The start read the code's rows once to resolve operateAll (no filter, full pages); every
      // poll round reads the hosts still starting (no ids in the URL, pages that shrink as they
      // finish), and a host that left is asked for by host_ids once: never one call per host
      // per round, nor one huge URL.
      expect(listings.every((r) => Number(r.query.get('limit')) <= VENDOR_PAGE)).toBe(true);
      const resolve = listings.filter(
        (r) => r.query.get('plugin_status') === null && r.query.getAll('host_ids').length === 0,
      );
      expect(resolve).toHaveLength(Math.ceil(FLEET / VENDOR_PAGE));
      const underWay = listings.filter((r) => r.query.get('plugin_status') === 'starting');
      expect(underWay.every((r) => r.query.getAll('host_ids').length === 0)).toBe(true);
      expect(underWay.length).toBeGreaterThan(0);
      const asked = listings.flatMap((r) => r.query.getAll('host_ids'));
      expect(new Set(asked).size).toBe(FLEET);
      expect(asked.length).toBe(FLEET);
    },
    60_000,
  );

  it('the simulated gateway refuses a URL over 8 KiB with 431 before auth', async () => {
    sim = await startHssSimulator({ stepMs: 0 });
    const url = new URL(`/v5/${sim.projectId}/plugins/attachments`, sim.url);
    url.searchParams.set('plugin_code', 'x'.repeat(GATEWAY_MAX_URL_BYTES));
    const res = await fetch(url);
    expect(res.status).toBe(431);
    await res.arrayBuffer();
  });
});
