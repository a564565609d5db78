import { describe, expect, it } from 'vitest';
import { InFlight } from '../../src/backends/in-flight.ts';
import { startFullRuntime } from '../helpers/full-runtime.ts';

describe('coalescing identical in-flight reads', () => {
  it('shares one call while it runs and forgets it once settled', async () => {
    const inFlight = new InFlight();
    let calls = 0;
    let release: () => void = () => {};
    const slow = () =>
      new Promise<number>((resolve) => {
        calls++;
        release = () => resolve(calls);
      });
    const a = inFlight.run('k', slow);
    const b = inFlight.run('k', slow);
    release();
    expect(await Promise.all([a, b])).toEqual([1, 1]);
    const c = inFlight.run('k', slow);
    release();
    expect(await c).toBe(2); // a new call after the first settled: nothing is cached
  });

  it('ten concurrent GraphQL reads of the HSS plugin list cost HSS one call', async () => {
    const t = await startFullRuntime();
    try {
      t.sims.hss.server.inject({ kind: 'latency', ms: 50 }); // keep the first call in flight
      const results = await Promise.all(
        Array.from({ length: 10 }, () =>
          t.gql<{ plugins: { edges: unknown[] } }>(
            '{ plugins(backend: HSS) { edges { node { name } } } }',
          ),
        ),
      );
      for (const r of results) expect(r.data?.plugins.edges).toHaveLength(3);
      expect(t.sims.hss.server.count({ path: /\/plugins$/ })).toBe(1);
    } finally {
      await t.close();
    }
  });
});
