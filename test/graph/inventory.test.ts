import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/index.ts';
import { fromGlobalId } from '../../src/resolvers/ids.ts';
import { type FullRuntime, globalId, startFullRuntime } from '../helpers/full-runtime.ts';
import { waitFor } from '../helpers/wait-for.ts';

/**
 * Issue 17: plugins, hosts and installations answer from per-endpoint inventory snapshots.
 * Vendor calls are counted on the simulators; nothing here waits a fixed time.
 */
let t: FullRuntime | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function start(inventory: Config['inventory'], overrides: Partial<Config> = {}) {
  t = await startFullRuntime({ inventory, backendTimeoutMs: 5_000, ...overrides });
  return t;
}

/** SDM list reads (the plug-in list carries members: hosts and installations too). */
const sdmReads = (f: FullRuntime) =>
  f.sims.sdm.server.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/admin/plugins'))
    .length;

interface Installation {
  nativeId: string;
  vendorStatus: string | null;
  observedAt: string;
}
interface SdmView {
  plugins: {
    edges: { node: { nativeId: string; status: string; observedAt: string } }[];
    failures: { endpoint: string; code: string }[];
  };
  installations: { edges: { node: Installation }[] };
}
const SDM = `{
  plugins(backend: SDM) { edges { node { nativeId status observedAt } } failures { endpoint code } }
  installations(backend: SDM, first: 100) { edges { node { nativeId vendorStatus observedAt } } }
}`;
const vendorStatusOf = (view: SdmView | undefined, nativeId: string) =>
  view?.installations.edges.find((e) => e.node.nativeId === nativeId)?.node.vendorStatus;

interface Status {
  backends: {
    endpoint: string;
    inventoryObservedAt: string | null;
    inventorySize: number | null;
  }[];
}
const STATUS = '{ backends { endpoint inventoryObservedAt inventorySize breaker } }';
const sdmStatus = async (f: FullRuntime) =>
  (await f.gql<Status>(STATUS)).data?.backends.find((b) => b.endpoint === 'sdm');

describe('inventory snapshots', () => {
  it('the first read waits for the vendor; later reads make no vendor call', async () => {
    const f = await start({ refreshMs: 600_000, maxStaleMs: 600_000 });
    expect(await sdmStatus(f)).toMatchObject({ inventoryObservedAt: null, inventorySize: null });
    const base = sdmReads(f); // the status above checked SDM's health (a ping), no list
    const first = await f.gql<SdmView>(SDM);
    expect(first.errors).toBeUndefined();
    expect(first.data?.plugins.edges.map((e) => e.node.nativeId)).toEqual([
      'ID1',
      'ID3',
      'ID5',
      'ID7',
      'ID9',
    ]);
    expect(sdmReads(f) - base).toBe(1);

    for (let i = 0; i < 3; i++) expect((await f.gql<SdmView>(SDM)).data).toEqual(first.data);
    expect(sdmReads(f) - base).toBe(1);

    // Every item says when its snapshot was read; BackendStatus says it too, with the row count.
    const observedAt = first.data?.plugins.edges[0]?.node.observedAt;
    expect(first.data?.installations.edges[0]?.node.observedAt).toBe(observedAt);
    const status = await sdmStatus(f);
    expect(status?.inventoryObservedAt).toBe(observedAt);
    expect(status?.inventorySize).toBeGreaterThanOrEqual(
      5 + (first.data?.installations.edges.length ?? 0),
    );
  });

  it('a background refresh after INVENTORY_REFRESH_MS picks up a change made on the vendor', async () => {
    const f = await start({ refreshMs: 30, maxStaleMs: 600_000 });
    const first = await f.gql<SdmView>(SDM);
    expect(vendorStatusOf(first.data, 'ID1@10.5.5.36')).not.toBe('SOMETHING_NEW');
    f.sims.sdm.setMemberStatus('ID1', '10.5.5.36', 'SOMETHING_NEW');
    const seen = await waitFor(async () => {
      const view = (await f.gql<SdmView>(SDM)).data;
      return vendorStatusOf(view, 'ID1@10.5.5.36') === 'SOMETHING_NEW' ? view : undefined;
    }, 'the refreshed inventory to show the change');
    expect(seen.plugins.failures).toEqual([]);
  });

  it('a read of a snapshot older than INVENTORY_MAX_STALE_MS waits for its refresh', async () => {
    const f = await start({ refreshMs: 600_000, maxStaleMs: 40 });
    const first = await f.gql<SdmView>(SDM);
    const observedAt = Date.parse(first.data?.plugins.edges[0]?.node.observedAt ?? '');
    f.sims.sdm.setMemberStatus('ID1', '10.5.5.36', 'SOMETHING_NEW');
    // BackendStatus reads no vendor: wait until the snapshot is past the max.
    await waitFor(async () => {
      const at = Date.parse((await sdmStatus(f))?.inventoryObservedAt ?? '');
      return Date.now() - at > 40;
    }, 'the snapshot to age past INVENTORY_MAX_STALE_MS');
    const next = await f.gql<SdmView>(SDM);
    expect(vendorStatusOf(next.data, 'ID1@10.5.5.36')).toBe('SOMETHING_NEW');
    expect(Date.parse(next.data?.plugins.edges[0]?.node.observedAt ?? '')).toBeGreaterThan(
      observedAt,
    );
  });

  it('a failing refresh keeps the snapshot, counts against the breaker, and past the max says BACKEND_STALE', async () => {
    const f = await start(
      { refreshMs: 20, maxStaleMs: 200 },
      { breaker: { failureThreshold: 2, coolDownMs: 600_000 } },
    );
    const first = await f.gql<SdmView>(SDM);
    expect(first.data?.plugins.failures).toEqual([]);
    f.sims.sdm.server.inject({ kind: 'status', status: 503 }, { match: (r) => r.method === 'GET' });
    // The background refreshes fail: the breaker opens, reads still answer from the snapshot.
    await waitFor(async () => {
      const row = (
        await f.gql<{ backends: { endpoint: string; breaker: string }[] }>(STATUS)
      ).data?.backends.find((b) => b.endpoint === 'sdm');
      return row?.breaker === 'OPEN';
    }, 'the sdm breaker to open');
    const stale = await waitFor(async () => {
      const res = await f.gql<SdmView>(SDM);
      return res.data?.plugins.failures.length ? res : undefined;
    }, 'a read that reports a failure');
    expect(stale.data?.plugins.edges.map((e) => e.node.nativeId)).toEqual(
      first.data?.plugins.edges.map((e) => e.node.nativeId),
    );
    expect(stale.data?.plugins.failures).toEqual([{ endpoint: 'sdm', code: 'BACKEND_STALE' }]);
    expect(
      stale.errors?.map((e) => [e.path?.[0], e.extensions?.code, e.extensions?.partial]),
    ).toEqual([
      ['plugins', 'BACKEND_STALE', true],
      ['installations', 'BACKEND_STALE', true],
    ]);
  });

  it('a first read whose refresh fails is the backend error, as without snapshots', async () => {
    const f = await start({ refreshMs: 600_000, maxStaleMs: 600_000 });
    f.sims.sdm.server.inject({ kind: 'status', status: 503 }, { match: (r) => r.method === 'GET' });
    const res = await f.gql<SdmView>(SDM);
    expect(res.data?.plugins.failures).toEqual([{ endpoint: 'sdm', code: 'BACKEND_UNAVAILABLE' }]);
  });

  it("the caller's own change is visible once its task ends", async () => {
    // No background refresh during the test: only the task's end can refresh the snapshot.
    const f = await start({ refreshMs: 600_000, maxStaleMs: 600_000 });
    const before = await f.gql<SdmView>(SDM);
    expect(before.data?.plugins.edges.find((e) => e.node.nativeId === 'ID7')?.node.status).toBe(
      'AVAILABLE',
    );
    const launched = await f.gql<{ performPluginAction: { task: { id: string } } }>(
      `mutation($id: ID!) { performPluginAction(input: { pluginId: $id, action: INSTALL }) {
        ... on PerformPluginActionPayload { task { id } } } }`,
      { id: globalId('Plugin', 'sdm:ID7') },
    );
    expect(launched.errors).toBeUndefined();
    const taskId = launched.data?.performPluginAction.task.id ?? '';
    // What taskProgress subscribes to (resolvers/task.ts watchTask).
    const watch = await f.runtime.tracker.watch(fromGlobalId(taskId, 'Task') ?? taskId);
    let last: string | undefined;
    for await (const task of watch ?? []) last = task.status;
    expect(last).toBe('SUCCESS');
    const after = await f.gql<SdmView>(SDM);
    expect(after.data?.plugins.edges.find((e) => e.node.nativeId === 'ID7')?.node.status).toBe(
      'INSTALLED',
    );
  });

  it('Plugin.installations and Host.installations page with first/after', async () => {
    const f = await start({ refreshMs: 600_000, maxStaleMs: 600_000 });
    const walk = async (query: string, pick: (data: never) => Page) => {
      const ids: string[] = [];
      let after: string | null = null;
      for (let i = 0; i < 10; i++) {
        const res: { data?: never; errors?: unknown } = await f.gql(query, { after });
        expect(res.errors).toBeUndefined();
        const page = pick(res.data as never);
        ids.push(...page.edges.map((e) => e.node.nativeId));
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      return ids;
    };
    type Page = {
      edges: { node: { nativeId: string } }[];
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };
    const PAGE =
      'installations(first: 1, after: $after) { edges { node { nativeId } } pageInfo { hasNextPage endCursor } }';
    const ofPlugin = await walk(
      `query($after: String) { node(id: "${globalId('Plugin', 'sdm:ID5')}") { ... on Plugin { ${PAGE} } } }`,
      (d: { node: { installations: Page } }) => d.node.installations,
    );
    expect(ofPlugin).toEqual(['ID5@10.5.5.36', 'ID5@10.5.5.37', 'ID5@10.5.5.38']);
    const ofHost = await walk(
      `query($after: String) { node(id: "${globalId('Host', 'sdm:10.5.5.37')}") { ... on Host { ${PAGE} } } }`,
      (d: { node: { installations: Page } }) => d.node.installations,
    );
    expect(ofHost.length).toBeGreaterThan(1);
    expect(ofHost).toEqual([...ofHost].sort());
    expect(ofHost.every((id) => id.endsWith('@10.5.5.37'))).toBe(true);
    expect(sdmReads(f)).toBe(1);
  });
});
