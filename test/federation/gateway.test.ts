import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { composeServices } from '@apollo/composition';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printSchemaFile } from '../../src/schema/print.ts';
import { type FullRuntime, globalId, startFullRuntime } from '../helpers/full-runtime.ts';
import { REVIEWS_SDL, reviewsSubgraph } from './reviews-subgraph.ts';

async function listen(
  handler: Parameters<typeof createServer>[1],
): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql` };
}

let t: FullRuntime;
let pluginGraph: { server: Server; url: string };
let reviews: { server: Server; url: string };
let gateway: ApolloServer;
let gatewayUrl: string;

const NDR = globalId('Plugin', 'hss:ndr');
const ID7 = globalId('Plugin', 'sdm:ID7');
const PROMETHEUS = globalId('Plugin', 'zstack:e90949fe5ddd3e68a4646b97b812f905');

beforeAll(async () => {
  t = await startFullRuntime();
  pluginGraph = await listen(t.runtime.app);
  reviews = await listen(
    reviewsSubgraph(
      new Map([
        [ID7, 5],
        [NDR, 4],
        [PROMETHEUS, 3],
      ]),
    ),
  );
  const composed = composeServices([
    { name: 'plugin-graph', typeDefs: parse(printSchemaFile()), url: pluginGraph.url },
    { name: 'reviews', typeDefs: parse(REVIEWS_SDL), url: reviews.url },
  ]);
  if (!composed.supergraphSdl) throw new Error(composed.errors?.map((e) => e.message).join('\n'));
  gateway = new ApolloServer({
    gateway: new ApolloGateway({ supergraphSdl: composed.supergraphSdl }),
  });
  ({ url: gatewayUrl } = await startStandaloneServer(gateway, {
    listen: { port: 0, host: '127.0.0.1' },
  }));
});

afterAll(async () => {
  await gateway?.stop();
  pluginGraph?.server.close();
  reviews?.server.close();
  await t?.close();
});

async function viaGateway<T>(query: string): Promise<{ data?: T; errors?: unknown[] }> {
  const res = await fetch(gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  return (await res.json()) as { data?: T; errors?: unknown[] };
}

describe('plugin-graph behind a real gateway (@apollo/gateway)', () => {
  it('a query that starts in plugin-graph fetches the other subgraph’s field', async () => {
    const res = await viaGateway<{
      plugins: { edges: { node: { id: string; name: string; rating: number } }[] };
    }>('{ plugins(backend: HSS) { edges { node { id name rating } } } }');
    expect(res.errors).toBeUndefined();
    const ndr = res.data?.plugins.edges.find((e) => e.node.id === NDR);
    expect(ndr?.node).toMatchObject({ rating: 4 });
    expect(ndr?.node.name).toBeTruthy();
  });

  it('a query that starts in the other subgraph resolves plugins through _entities, one call per backend', async () => {
    t.clearLogs();
    const res = await viaGateway<{
      topRatedPlugins: { id: string; name: string; backend: string; rating: number }[];
    }>('{ topRatedPlugins { id rating name backend } }');
    expect(res.errors).toBeUndefined();
    expect(res.data?.topRatedPlugins).toEqual([
      { id: ID7, rating: 5, name: 'SBC Config & Audit', backend: 'SDM' },
      { id: NDR, rating: 4, name: expect.any(String), backend: 'HSS' },
      { id: PROMETHEUS, rating: 3, name: 'prometheus', backend: 'ZSTACK' },
    ]);
    expect(t.sims.sdm.server.count({ method: 'GET', path: '/rest/v1.3/admin/plugins' })).toBe(1);
    expect(t.sims.hss.server.count({ method: 'GET', path: /\/plugins$/ })).toBeLessThanOrEqual(1);
    expect(t.sims.zstack.server.count({ method: 'GET', path: '/zstack/v1/external/plugins' })).toBe(
      1,
    );
  });
});
