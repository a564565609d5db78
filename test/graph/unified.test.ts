import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FullRuntime, globalId, startFullRuntime } from '../helpers/full-runtime.ts';

let t: FullRuntime;
beforeAll(async () => {
  // Generous: the tests with a deadline to reach (a hanging backend) run a runtime of their own.
  t = await startFullRuntime({ backendTimeoutMs: 5_000 });
});
afterAll(() => t.close());
afterEach(() => {
  for (const sim of Object.values(t.sims)) sim.server.clearFaults();
});

type Edge<T> = { cursor: string; node: T };
type Page<T> = { edges: Edge<T>[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
type PluginNode = {
  id: string;
  backend: string;
  nativeId: string;
  installations: { edges: { node: { host: { name: string } | null } }[] } | null;
};

const TREE = `{ plugins(first: 100) { edges { node { id backend nativeId installations { edges { node { host { name } } } } } } } }`;

/** A runtime of its own for a test about an endpoint's first read (the shared one has read them). */
async function withFreshRuntime(test: (f: FullRuntime) => Promise<void>): Promise<void> {
  const f = await startFullRuntime({ backendTimeoutMs: 300 });
  try {
    await test(f);
  } finally {
    await f.close();
  }
}

/** Requests that list or read plugins, hosts or installations (not logins). */
function catalogCalls() {
  const { sdm, zstack, hss, korap } = t.sims;
  return {
    sdm: sdm.server.requests.filter((r) => r.method === 'GET').length,
    zstack: zstack.server.requests.filter((r) => r.method === 'GET').length,
    hssPlugins: hss.server.requests.filter((r) => r.path.endsWith('/plugins')).length,
    hssStatus: hss.server.requests.filter((r) => r.path.endsWith('/plugins/attachments')).length,
    korap: korap.server.requests.length,
  };
}

describe('one graph across backends', () => {
  it('lists plugins of SDM, ZStack, HSS and KorAP with installations and hosts, in a stable order, without N+1', async () => {
    await t.gql('{ backends { backend } }'); // warm up sessions so logins do not blur the counts
    t.clearLogs();
    const res = await t.gql<{ plugins: Page<PluginNode> }>(TREE);
    expect(res.errors).toBeUndefined();
    const nodes = res.data!.plugins.edges.map((e) => e.node);
    expect([...new Set(nodes.map((n) => n.backend))]).toEqual(['SDM', 'ZSTACK', 'HSS', 'KORAP']);
    const sdmIds = nodes.filter((n) => n.backend === 'SDM').map((n) => n.nativeId);
    expect(sdmIds).toEqual([...sdmIds].sort());
    expect(nodes.find((n) => n.nativeId === 'ID1')?.installations?.edges[0]?.node.host?.name).toBe(
      '10.5.5.36',
    );
    expect(nodes.some((n) => n.backend === 'HSS' && (n.installations?.edges.length ?? 0) > 0)).toBe(
      true,
    );

    const calls = catalogCalls();
    // The first read of each endpoint is its inventory snapshot's first refresh, which reads
    // plugins, hosts and installations: one list per backend, hosts and installations from the
    // rows the plugin list read where the vendor serves them together.
    expect(calls.sdm).toBe(1); // the plugin list carries each plugin's members
    expect(calls.zstack).toBe(1); // ZStack has no hosts or installations
    expect(calls.hssPlugins).toBe(1);
    // HSS's status list is per plugin code (a vendor limit): one call per code, shared by both levels.
    expect(calls.hssStatus).toBe(3);
    expect(calls.korap).toBe(2); // list + installed for plugins; installations reuse installed

    // Later reads answer from the snapshots: no vendor call at all, whatever the tree's size.
    t.clearLogs();
    const again = await t.gql<{ plugins: Page<PluginNode> }>(TREE);
    expect(again.data).toEqual(res.data);
    expect(catalogCalls()).toEqual({ sdm: 0, zstack: 0, hssPlugins: 0, hssStatus: 0, korap: 0 });
  });

  it('paging with first/after walks the whole list exactly once', async () => {
    const all = (
      await t.gql<{ plugins: Page<{ id: string }> }>(
        '{ plugins(first: 100) { edges { node { id } } } }',
      )
    ).data!.plugins.edges.map((e) => e.node.id);
    const walked: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 20; page++) {
      const res: { data?: { plugins: Page<{ id: string }> } } = await t.gql(
        'query($after: String) { plugins(first: 4, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }',
        { after },
      );
      walked.push(...res.data!.plugins.edges.map((e) => e.node.id));
      if (!res.data!.plugins.pageInfo.hasNextPage) break;
      after = res.data!.plugins.pageInfo.endCursor;
    }
    expect(walked).toEqual(all);
    expect(all.length).toBeGreaterThan(10);
  });

  it('node(id) and nodes(ids) return each kind of object again', async () => {
    const ids = [
      globalId('Plugin', 'sdm:ID3'),
      globalId('Host', 'sdm:10.5.5.37'),
      globalId('Installation', 'sdm:ID3@10.5.5.37'),
      globalId('Plugin', 'korap:g1eMmQrW3tH8kLpV0xYz2A'),
      globalId('Plugin', 'hss:nope'),
    ];
    const res = await t.gql<{ nodes: ({ __typename: string; id: string } | null)[] }>(
      'query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }',
      { ids },
    );
    expect(res.data?.nodes.map((n) => n?.__typename ?? null)).toEqual([
      'Plugin',
      'Host',
      'Installation',
      'Plugin',
      null,
    ]);
    expect(res.data?.nodes.slice(0, 4).map((n) => n?.id)).toEqual(ids.slice(0, 4));
    const one = await t.gql<{ node: { name: string } }>(
      'query($id: ID!) { node(id: $id) { ... on Host { name } } }',
      { id: ids[1] },
    );
    expect(one.data?.node.name).toBe('10.5.5.37');
  });

  it('_entities keeps the order of representations, gives null for unknown ones, no vendor call once read', async () => {
    t.clearLogs();
    const representations = [
      ...['ID1', 'ID3', 'ID5', 'ID7', 'ID9'].map((id) => ({
        __typename: 'Plugin',
        id: globalId('Plugin', `sdm:${id}`),
      })),
      { __typename: 'Plugin', id: globalId('Plugin', 'hss:ndr') },
      { __typename: 'Plugin', id: globalId('Plugin', 'sdm:ID404') },
      { __typename: 'Host', id: globalId('Host', 'sdm:10.5.5.36') },
      { __typename: 'Plugin', id: 'not-a-global-id' },
      { __typename: 'Plugin', id: globalId('Plugin', 'hss:edr') },
    ];
    const res = await t.gql<{ _entities: ({ id: string } | null)[] }>(
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Plugin { id } ... on Host { id } } }',
      { r: representations },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data?._entities.map((e) => e?.id ?? null)).toEqual(
      representations.map((r, i) => ([6, 8].includes(i) ? null : r.id)),
    );
    // The endpoints' snapshots were read by the tests above: lookups by id index them.
    expect(t.sims.sdm.server.count({ method: 'GET', path: '/rest/v1.3/admin/plugins' })).toBe(0);
    expect(t.sims.hss.server.count({ path: /\/plugins$/ })).toBe(0);
  });

  for (const fault of [
    { kind: 'status', status: 500 },
    { kind: 'hang' },
    { kind: 'malformed' },
  ] as const) {
    it(`with ZStack failing (${fault.kind}), the others' plugins still resolve and one coded error names ZStack`, () =>
      withFreshRuntime(async (t) => {
        t.sims.zstack.server.inject(fault, { match: (r) => r.method === 'GET' });
        const res = await t.post(TREE);
        expect(res.status).toBe(200);
        const body = (await res.json()) as {
          data: { plugins: Page<PluginNode> };
          errors: { path: string[]; extensions: Record<string, unknown> }[];
        };
        const backends = new Set(body.data.plugins.edges.map((e) => e.node.backend));
        expect([...backends]).toEqual(['SDM', 'HSS', 'KORAP']);
        expect(body.errors).toHaveLength(1);
        expect(body.errors[0]).toMatchObject({
          path: ['plugins'],
          extensions: { backend: 'zstack' },
        });
        const expected = {
          status: 'BACKEND_UNAVAILABLE',
          hang: 'BACKEND_TIMEOUT',
          malformed: 'BACKEND_BAD_RESPONSE',
        }[fault.kind];
        expect(body.errors[0]?.extensions.code).toBe(expected);
      }));
  }

  it('an installations list failing for one backend errors only that field', () =>
    withFreshRuntime(async (t) => {
      t.sims.hss.server.inject(
        { kind: 'status', status: 500 },
        { match: (r) => r.path.endsWith('/plugins/attachments') },
      );
      const res = await t.gql<{ plugins: Page<PluginNode> }>(
        '{ plugins(backend: HSS) { edges { node { nativeId installations { edges { node { host { name } } } } } } } }',
      );
      const nodes = res.data!.plugins.edges.map((e) => e.node);
      expect(nodes.length).toBe(3);
      expect(nodes.every((n) => n.installations === null)).toBe(true);
      expect(
        res.errors?.every(
          (e) => e.extensions?.code === 'BACKEND_UNAVAILABLE' && e.extensions?.backend === 'hss',
        ),
      ).toBe(true);
    }));

  it('a failing backend is logged once per vendor call, not as an error line per field', () =>
    withFreshRuntime(async (t) => {
      t.logs.length = 0;
      t.sims.hss.server.inject(
        { kind: 'status', status: 500 },
        { match: (r) => r.path.endsWith('/plugins/attachments') },
      );
      const res = await t.gql(
        '{ plugins(backend: HSS) { edges { node { installations { edges { node { status } } } } } } }',
      );
      expect(res.errors?.length).toBe(3); // one per plugin's installations field
      const lines = t.logs.map((l) => JSON.parse(l) as { level: number; msg: string });
      expect(lines.filter((l) => l.level >= 50)).toEqual([]);
      expect(lines.some((l) => l.msg === 'backend call' && l.level >= 30)).toBe(true);
    }));

  it('backends reports each backend: configured, reachable, latency, breaker', async () => {
    const res = await t.gql<{
      backends: {
        backend: string;
        configured: boolean;
        reachable: boolean;
        latencyMs: number;
        breaker: string;
      }[];
    }>('{ backends { backend configured reachable latencyMs breaker lastCheckedAt } }');
    expect(res.data?.backends.map((b) => [b.backend, b.configured, b.reachable])).toEqual([
      ['SDM', true, true],
      ['ZSTACK', true, true],
      ['HSS', true, true],
      ['APPLIANCE', true, true],
      ['KORAP', true, true],
    ]);
  });

  it('installations filter by plugin id (global or object id)', async () => {
    const byGlobal = await t.gql<{ installations: Page<{ nativeId: string }> }>(
      `{ installations(pluginId: "${globalId('Plugin', 'sdm:ID5')}") { edges { node { nativeId } } } }`,
    );
    expect(byGlobal.data?.installations.edges.map((e) => e.node.nativeId)).toEqual([
      'ID5@10.5.5.36',
      'ID5@10.5.5.37',
      'ID5@10.5.5.38',
    ]);
    const hosts = await t.gql<{ hosts: Page<{ backend: string }> }>(
      '{ hosts(first: 100) { edges { node { backend } } } }',
    );
    expect(new Set(hosts.data?.hosts.edges.map((e) => e.node.backend))).toEqual(
      new Set(['SDM', 'HSS']),
    );
  });
});
