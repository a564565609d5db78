import { describe, expect, it } from 'vitest';
import type { Keyed } from '../../src/inventory/order.ts';
import { SortedRows } from '../../src/inventory/sorted-rows.ts';
import { rowsConnection } from '../../src/schema/connection.ts';

const items: Keyed[] = Array.from({ length: 150 }, (_, i) => ({
  backend: i % 2 ? ('hss' as const) : ('sdm' as const),
  nativeId: `p${String(i).padStart(3, '0')}`,
}));

/** One SortedRows per endpoint, as the inventory snapshots hold them, in a shuffled order. */
const bySource = (list: readonly Keyed[]) => {
  const groups = new Map<string, Keyed[]>();
  for (const item of list) {
    const key = `${item.backend}/${item.endpoint ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  return [...groups.values()].reverse().map((group) => new SortedRows(group));
};

describe('rowsConnection', () => {
  it('caps a page at 100 and orders by backend, then native id', async () => {
    const page = await rowsConnection({ first: 1000 }, bySource(items));
    expect(page.edges).toHaveLength(100);
    expect(page.pageInfo.hasNextPage).toBe(true);
    expect(page.edges[0]?.node).toEqual({ backend: 'sdm', nativeId: 'p000' });
    expect(page.edges.at(-1)?.node.backend).toBe('hss'); // 75 SDM items first, then HSS
  });

  it('pages backwards with last/before', async () => {
    const forward = await rowsConnection({ first: 10 }, bySource(items));
    const back = await rowsConnection(
      { last: 3, before: forward.edges[5]?.cursor },
      bySource(items),
    );
    expect(back.edges.map((e) => e.node.nativeId)).toEqual(['p004', 'p006', 'p008']);
    expect(back.pageInfo.hasPreviousPage).toBe(true);
  });

  it('keyset cursors survive an item disappearing before the cursor', async () => {
    const first = await rowsConnection({ first: 2 }, bySource(items));
    const shrunk = items.filter((i) => i.nativeId !== 'p000');
    const next = await rowsConnection(
      { first: 2, after: first.pageInfo.endCursor },
      bySource(shrunk),
    );
    expect(next.edges.map((e) => e.node.nativeId)).toEqual(['p004', 'p006']);
  });

  it('walks several endpoints in order, pages crossing from one endpoint to the next', async () => {
    const fleet: Keyed[] = ['hss-b', 'hss-a', 'hss-c'].flatMap((endpoint) =>
      Array.from({ length: 5 }, (_, i) => ({
        backend: 'hss' as const,
        endpoint,
        nativeId: `h${i}`,
      })),
    );
    const seen: string[] = [];
    let after: string | null | undefined;
    for (;;) {
      const page = await rowsConnection({ first: 4, after }, bySource(fleet));
      seen.push(...page.edges.map((e) => `${e.node.endpoint}:${e.node.nativeId}`));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    const expected = ['hss-a', 'hss-b', 'hss-c'].flatMap((e) =>
      Array.from({ length: 5 }, (_, i) => `${e}:h${i}`),
    );
    expect(seen).toEqual(expected);
    const last = await rowsConnection({ last: 6 }, bySource(fleet));
    expect(last.edges.map((e) => `${e.node.endpoint}:${e.node.nativeId}`)).toEqual(
      expected.slice(-6),
    );
  });
});
