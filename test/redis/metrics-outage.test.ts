import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApplianceSimulator,
  startApplianceSimulator,
} from '../../src/backends/appliance/simulator.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { type Instance, instance } from './instance.ts';
import { type RedisServer, SKIP_REDIS, startRedis } from './redis-server.ts';

/**
 * Issue 25.2: `/metrics` never answers with a stack. Its tasks gauge reads the shared store: with
 * Redis hung, a scrape answered 500 with the StoreUnavailableError's stack. It now answers with
 * every other series (what says most about the outage), the gauge left out until Redis is back.
 */
describe.skipIf(SKIP_REDIS)('/metrics while Redis is down', () => {
  let redis: RedisServer;
  let sim: ApplianceSimulator;
  let one: Instance;

  beforeAll(async () => {
    redis = await startRedis();
    sim = await startApplianceSimulator({ installMs: 100 });
    one = await instance(redis.url, sim, { redisTimeoutMs: 300 });
  });
  afterAll(async () => {
    redis?.resume();
    await one?.close();
    await sim?.close();
    await redis?.stop();
  });

  const scrape = async () => {
    const res = await fetch(one.http.url.replace(/\/graphql$/, '/metrics'));
    return { status: res.status, text: await res.text() };
  };

  it('answers without a stack, with every series but the tasks gauge, and with it once Redis is back', async () => {
    await one.gql('query Updates { updates { version } }');
    expect((await scrape()).status).toBe(200);

    redis.pause();
    const down = await scrape();
    expect(down.text).not.toMatch(/\n\s+at /);
    expect(down.text).not.toContain('StoreUnavailable');
    expect(down.status).toBe(200);
    expect(down.text).toContain(
      'plugin_graph_graphql_requests_total{operation="Updates",type="query"} 1',
    );
    expect(down.text).not.toMatch(/^plugin_graph_tasks\{/m);

    redis.resume();
    await waitFor(async () => (await one.readyz()).status === 200, 'readyz 200');
    const installed = await one.gql<{ installUpdate: { __typename: string } }>(
      'mutation { installUpdate(input: { version: "9.0.3.0" }) { __typename } }',
    );
    expect(installed.data?.installUpdate.__typename).toBe('InstallUpdatePayload');
    const back = await scrape();
    expect(back.status).toBe(200);
    expect(back.text).toMatch(/^plugin_graph_tasks\{backend="appliance",status="[A-Z]+"\} /m);
  });
});
