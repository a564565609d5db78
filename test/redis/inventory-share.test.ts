import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApplianceSimulator,
  startApplianceSimulator,
} from '../../src/backends/appliance/simulator.ts';
import { type SdmSimulator, startSdmSimulator } from '../../src/backends/sdm/simulator.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { type Instance, instance } from './instance.ts';
import { type RedisServer, SKIP_REDIS, startRedis } from './redis-server.ts';

/**
 * Issue 17, scaled-out: one instance refreshes each endpoint's inventory snapshot (a lease in
 * Redis) and writes it there; the other answers from what it wrote, never asking the vendor.
 */
describe.skipIf(SKIP_REDIS)('inventory snapshots shared through Redis', () => {
  let redis: RedisServer;
  let appliance: ApplianceSimulator;
  let sdm: SdmSimulator;
  let a: Instance;
  let b: Instance;

  beforeAll(async () => {
    redis = await startRedis();
    appliance = await startApplianceSimulator();
    sdm = await startSdmSimulator({ stepMs: 20 });
    const extra = {
      backends: { appliance: appliance.config(), sdm: sdm.config() },
      // The lease is 3 refreshes long: 250 ms keeps it held (750 ms) through a refresh slowed by a
      // loaded CI machine, where 40 ms (a 120 ms lease) let B take over and log in once.
      inventory: { refreshMs: 250, maxStaleMs: 600_000 },
      backendTimeoutMs: 5_000,
    };
    a = await instance(redis.url, appliance, extra);
    b = await instance(redis.url, appliance, extra);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await Promise.all([appliance?.close(), sdm?.close()]);
    await redis?.stop();
  });

  type View = { installations: { edges: { node: { nativeId: string; vendorStatus: string } }[] } };
  const QUERY =
    '{ installations(backend: SDM, first: 100) { edges { node { nativeId vendorStatus } } } }';
  const statusOf = (v: View | undefined, id: string) =>
    v?.installations.edges.find((e) => e.node.nativeId === id)?.node.vendorStatus;
  const sdmLists = () =>
    sdm.server.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/admin/plugins'))
      .length;

  it('only one instance refreshes; both answer the same, changes included', async () => {
    const first = await a.gql<View>(QUERY);
    expect(first.errors).toBeUndefined();
    const reads = sdmLists();
    expect(reads).toBeGreaterThanOrEqual(1);
    // B's first read: the snapshot A wrote, no vendor call of its own.
    const other = await b.gql<View>(QUERY);
    expect(other.data).toEqual(first.data);

    sdm.setMemberStatus('ID1', '10.5.5.36', 'SOMETHING_NEW');
    for (const instance of [a, b]) {
      await waitFor(async () => {
        const view = (await instance.gql<View>(QUERY)).data;
        return statusOf(view, 'ID1@10.5.5.36') === 'SOMETHING_NEW';
      }, 'the shared inventory to show the change');
    }
    // Every SDM call came from one instance: only one logged in (B never called SDM).
    expect(sdm.server.requests.filter((r) => r.method === 'POST').length).toBe(1);
    expect(sdm.sessions.size).toBe(1);
  });
});
