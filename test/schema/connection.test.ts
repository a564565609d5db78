import { describe, expect, it } from 'vitest';
import { sortedConnection } from '../../src/schema/connection.ts';

const items = Array.from({ length: 150 }, (_, i) => ({
  backend: i % 2 ? ('hss' as const) : ('sdm' as const),
  nativeId: `p${String(i).padStart(3, '0')}`,
}));

describe('sortedConnection', () => {
  it('caps a page at 100 and orders by backend, then native id', async () => {
    const page = await sortedConnection({ first: 1000 }, items);
    expect(page.edges).toHaveLength(100);
    expect(page.pageInfo.hasNextPage).toBe(true);
    expect(page.edges[0]?.node).toEqual({ backend: 'sdm', nativeId: 'p000' });
    expect(page.edges.at(-1)?.node.backend).toBe('hss'); // 75 SDM items first, then HSS
  });

  it('pages backwards with last/before', async () => {
    const forward = await sortedConnection({ first: 10 }, items);
    const back = await sortedConnection({ last: 3, before: forward.edges[5]?.cursor }, items);
    expect(back.edges.map((e) => e.node.nativeId)).toEqual(['p004', 'p006', 'p008']);
    expect(back.pageInfo.hasPreviousPage).toBe(true);
  });

  it('keyset cursors survive an item disappearing before the cursor', async () => {
    const first = await sortedConnection({ first: 2 }, items);
    const shrunk = items.filter((i) => i.nativeId !== 'p000');
    const next = await sortedConnection({ first: 2, after: first.pageInfo.endCursor }, shrunk);
    expect(next.edges.map((e) => e.node.nativeId)).toEqual(['p004', 'p006']);
  });
});
