import { describe, expect, it } from 'vitest';
import { useHssFleet } from '../helpers/hss-fleet.ts';

/** SPEC §10 in the graph: two HSS regions, two real simulators under different names. */
const startFleet = useHssFleet();

interface Node {
  id: string;
  backend: string;
  endpoint: string;
  nativeId: string;
}
interface Connection {
  edges: { node: Node }[];
  failures: { backend: string; endpoint: string; code: string }[];
}
const NODE = 'id backend endpoint nativeId';
const FAILURES = 'failures { backend endpoint code }';

describe('a fleet of two HSS endpoints', () => {
  it('plugins and hosts merge both endpoints, each item naming its endpoint, with distinct ids', async () => {
    const { t } = await startFleet();
    const res = await t.gql<{ plugins: Connection; hosts: Connection }>(
      `{ plugins(first: 100) { edges { node { ${NODE} } } ${FAILURES} }
         hosts(backend: HSS, first: 100) { edges { node { ${NODE} } } ${FAILURES} } }`,
    );
    expect(res.errors).toBeUndefined();
    for (const list of [res.data?.plugins, res.data?.hosts]) {
      const nodes = list?.edges.map((e) => e.node) ?? [];
      const eu = nodes.filter((n) => n.endpoint === 'hss-eu');
      const us = nodes.filter((n) => n.endpoint === 'hss-us');
      expect(eu.length).toBeGreaterThan(0);
      // Same fixtures on both simulators: the same native ids, under two endpoints.
      expect(us.map((n) => n.nativeId)).toEqual(eu.map((n) => n.nativeId));
      expect(nodes.every((n) => n.backend === 'HSS')).toBe(true);
      expect(new Set(nodes.map((n) => n.id)).size).toBe(nodes.length);
      expect(list?.failures).toEqual([]);
    }
    const first = res.data?.plugins.edges[0]?.node;
    expect(Buffer.from(first?.id ?? '', 'base64').toString()).toBe(
      `Plugin:hss-eu:${first?.nativeId}`,
    );
  });

  it('`endpoint:` reads that endpoint only: the other simulator is never called', async () => {
    const { t, eu, us } = await startFleet();
    const res = await t.gql<{ plugins: Connection }>(
      `{ plugins(endpoint: "hss-us", first: 100) { edges { node { ${NODE} } } ${FAILURES} } }`,
    );
    expect(res.errors).toBeUndefined();
    const nodes = res.data?.plugins.edges.map((e) => e.node) ?? [];
    expect(nodes.length).toBeGreaterThan(0);
    expect(new Set(nodes.map((n) => n.endpoint))).toEqual(new Set(['hss-us']));
    expect(eu.server.requests).toHaveLength(0);
    expect(us.server.requests.length).toBeGreaterThan(0);
  });

  it('node(id) resolves through the endpoint in the id, and installations keep their endpoint', async () => {
    const { t, eu } = await startFleet();
    const list = await t.gql<{ plugins: Connection }>(
      `{ plugins(endpoint: "hss-us", first: 1) { edges { node { ${NODE} } } ${FAILURES} } }`,
    );
    const plugin = list.data?.plugins.edges[0]?.node;
    const res = await t.gql<{
      node: Node & {
        installations: { edges: { node: { endpoint: string; plugin: { id: string } } }[] };
      };
    }>(
      `query($id: ID!) { node(id: $id) { ... on Plugin { ${NODE} installations { edges { node { endpoint plugin { id } } } } } } }`,
      { id: plugin?.id },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data?.node).toMatchObject({ id: plugin?.id, endpoint: 'hss-us' });
    for (const { node: i } of res.data?.node.installations.edges ?? []) {
      expect(i).toEqual({ endpoint: 'hss-us', plugin: { id: plugin?.id } });
    }
    expect(eu.server.requests).toHaveLength(0);
  });

  it('one failing endpoint leaves the other’s items plus one failure and one partial error naming it', async () => {
    const { t, us } = await startFleet();
    us.server.inject({ kind: 'status', status: 500 });
    const res = await t.gql<{ plugins: Connection }>(
      `{ plugins(first: 100) { edges { node { ${NODE} } } ${FAILURES} } }`,
    );
    const endpoints = new Set(res.data?.plugins.edges.map((e) => e.node.endpoint));
    expect(endpoints).toEqual(new Set(['hss-eu']));
    expect(res.data?.plugins.failures).toEqual([
      { backend: 'HSS', endpoint: 'hss-us', code: 'BACKEND_UNAVAILABLE' },
    ]);
    expect(res.errors).toHaveLength(1);
    expect(res.errors?.[0]?.extensions).toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
      backend: 'hss',
      endpoint: 'hss-us',
      partial: true,
    });
  });

  it('pages across endpoints in order: endpoint by endpoint, no item twice', async () => {
    const { t } = await startFleet();
    const all = await t.gql<{ plugins: Connection }>(
      `{ plugins(first: 100) { edges { node { ${NODE} } } ${FAILURES} } }`,
    );
    const ids: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 50; page++) {
      const res: {
        data?: {
          plugins: {
            edges: { node: Node }[];
            pageInfo: { endCursor: string | null; hasNextPage: boolean };
          };
        };
      } = await t.gql(
        'query($after: String) { plugins(first: 3, after: $after) { edges { node { id } } pageInfo { endCursor hasNextPage } } }',
        { after },
      );
      ids.push(...(res.data?.plugins.edges.map((e) => e.node.id) ?? []));
      if (!res.data?.plugins.pageInfo.hasNextPage) break;
      after = res.data.plugins.pageInfo.endCursor;
    }
    expect(ids).toEqual(all.data?.plugins.edges.map((e) => e.node.id));
  });

  it('an unknown endpoint, or one of another backend, is an error coded BAD_USER_INPUT naming `endpoint`', async () => {
    const { t } = await startFleet();
    for (const args of ['endpoint: "hss-ap"', 'backend: SDM, endpoint: "hss-eu"']) {
      const res = await t.gql(`{ plugins(${args}) { edges { node { id } } } }`);
      expect(res.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        argument: 'endpoint',
      });
    }
  });
});
