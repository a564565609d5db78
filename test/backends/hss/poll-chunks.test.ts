import { describe, expect, it } from 'vitest';
import { HSS_MAX_HOST_IDS } from '../../../src/backends/hss/ids.ts';
import {
  hostIdChunks,
  mapLimited,
  POLL_HOST_IDS_BUDGET,
} from '../../../src/backends/hss/poll-chunks.ts';

const queryBytes = (ids: readonly string[]) =>
  new URLSearchParams(ids.map((id) => ['host_ids', id])).toString().length;

describe('poll chunks of host ids', () => {
  it('cuts uuids at the id cap, keeping order and every id', () => {
    const ids = Array.from({ length: 250 }, (_, i) => `host-${i}`);
    const chunks = hostIdChunks(ids, 100);
    expect(chunks.map((c) => c.length)).toEqual([100, 100, 50]);
    expect(chunks.flat()).toEqual(ids);
  });

  it('cuts long ids at the byte budget: the most ids an input may name still fit', () => {
    const ids = Array.from({ length: HSS_MAX_HOST_IDS }, (_, i) => `${i}`.padStart(128, 'h'));
    const chunks = hostIdChunks(ids, 100);
    expect(chunks.length).toBeGreaterThan(2);
    for (const c of chunks) expect(queryBytes(c)).toBeLessThanOrEqual(POLL_HOST_IDS_BUDGET);
    expect(chunks.flat()).toEqual(ids);
  });

  it('no ids, no chunks; one id over the budget still gets its own chunk', () => {
    expect(hostIdChunks([])).toEqual([]);
    expect(hostIdChunks(['x'.repeat(5000)])).toEqual([['x'.repeat(5000)]]);
  });

  it('mapLimited keeps order and never runs more than the limit at once', async () => {
    let running = 0;
    let most = 0;
    const out = await mapLimited([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      running++;
      most = Math.max(most, running);
      await Promise.resolve();
      running--;
      return n * 2;
    });
    expect(out).toEqual([2, 4, 6, 8, 10, 12, 14]);
    expect(most).toBe(3);
  });
});
