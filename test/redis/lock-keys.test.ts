import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FullRuntime, startFullRuntime } from '../helpers/full-runtime.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { type RedisServer, SKIP_REDIS, startRedis } from './redis-server.ts';

/** A conflict lock names its target; a long host list must not become a kilobyte Redis key. */
describe.skipIf(SKIP_REDIS)('HSS conflict lock keys (REDIS_URL)', () => {
  let redis: RedisServer;
  let inspect: Redis;
  let t: FullRuntime;

  beforeAll(async () => {
    redis = await startRedis();
    inspect = new Redis(redis.url);
    t = await startFullRuntime({ redisUrl: redis.url });
  });
  afterAll(async () => {
    await t?.close();
    inspect?.disconnect();
    await redis?.stop();
  });

  it('150 host ids hold a short hashed key while HSS is called', async () => {
    const hostIds = Array.from(
      { length: 150 },
      (_, i) => `host-${String(i).padStart(3, '0')}-5e90aca1817f`,
    );
    // Keep the vendor call in flight, so the pending lock can be looked at.
    t.sims.hss.server.inject(
      { kind: 'latency', ms: 300 },
      { times: 1, match: (r) => r.method === 'POST' },
    );
    const launch = t.gql<{ startPlugin: { __typename: string } }>(
      'mutation($input: StartPluginInput!) { startPlugin(input: $input) { __typename } }',
      { input: { pluginCode: 'ndr', hostIds } },
    );
    await waitFor(
      async () => t.sims.hss.server.count({ method: 'POST' }) > 0,
      'the start to reach the HSS',
    );
    const keys = await inspect.keys('*lock:*');
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/lock:hss:startPlugin:ndr:sha256:[0-9a-f]{64}$/);
    // The simulator knows none of these hosts: HSS refuses them, and the lock goes away.
    expect((await launch).data?.startPlugin.__typename).toBe('BackendRejectedError');
    expect(await inspect.keys('*lock:*')).toEqual([]);
  });
});
