import { once } from 'node:events';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { composeServices } from '@theguild/federation-composition';
import { parse } from 'graphql';
import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config/index.ts';
import { printSchemaFile } from '../../src/schema/print.ts';
import { type FullRuntime, globalId, startFullRuntime } from '../helpers/full-runtime.ts';
import { waitFor } from '../helpers/wait-for.ts';
import {
  INSTALL,
  type Listening,
  listen,
  PROGRESS,
  type TaskEvent,
} from '../subscriptions/helpers.ts';
import { type HiveGateway, PLUGIN_GRAPH, startHiveGateway } from './hive-gateway.ts';
import { OPS_SDL, opsSubgraph } from './ops-subgraph.ts';

/**
 * plugin-graph behind Hive Gateway (SPEC §7, §12), with PLUGIN_GRAPH_TOKENS on: the gateway
 * forwards each caller's own token, so plugin-graph still decides who may do what.
 */

const OPERATOR = 'gateway-operator-token';
const VIEWER = 'gateway-viewer-token';
const bearer = (token: string) => `Bearer ${token}`;

const NDR = globalId('Plugin', 'hss:ndr');
const ID7 = globalId('Plugin', 'sdm:ID7');

let t: FullRuntime;
let pluginGraph: Listening;
let ops: { server: Server; url: string };
/** HTTP requests and WebSocket upgrades that reached plugin-graph's own server. */
const reached = { requests: 0, upgrades: 0 };
let installations: string[];
let sseGateway: HiveGateway;
let wsGateway: HiveGateway;

async function serve(handler: RequestListener): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql` };
}

async function post<T>(
  url: string,
  query: string,
  options: { token?: string; variables?: Record<string, unknown> } = {},
): Promise<{ status: number; data?: T; errors?: { extensions?: Record<string, unknown> }[] }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...(options.token === undefined ? {} : { authorization: bearer(options.token) }),
    },
    body: JSON.stringify({ query, variables: options.variables }),
  });
  return { status: res.status, ...((await res.json()) as object) };
}

beforeAll(async () => {
  t = await startFullRuntime({
    // Generous: no test here waits for a deadline, and a loaded machine must not fake a failure.
    backendTimeoutMs: 5_000,
    // Reads of a snapshot older than 50 ms wait for its refresh: a backend failing now shows
    // (BACKEND_STALE) within a request or two, where it would otherwise wait for INVENTORY_REFRESH_MS.
    inventory: { refreshMs: 30_000, maxStaleMs: 50 },
    auth: loadConfig({
      PLUGIN_GRAPH_DEMO: '1',
      PLUGIN_GRAPH_AUTH: 'tokens',
      PLUGIN_GRAPH_TOKENS: `${OPERATOR}=operator,${VIEWER}=viewer`,
    }).auth,
  });
  pluginGraph = await listen(t.runtime.app, { authenticate: t.runtime.authenticate });
  pluginGraph.server.on('request', () => reached.requests++);
  pluginGraph.server.on('upgrade', () => reached.upgrades++);

  const list = await post<{ installations: { edges: { node: { id: string } }[] } }>(
    pluginGraph.url,
    '{ installations(first: 20) { edges { node { id } } } }',
    { token: VIEWER },
  );
  installations = list.data?.installations.edges.map((e) => e.node.id) ?? [];
  expect(installations).toHaveLength(20);
  // Not plugin-graph's own order, so the answer shows _entities keeping the references' order.
  installations.reverse();
  ops = await serve(
    opsSubgraph({
      ratings: new Map([
        [ID7, 5],
        [NDR, 4],
      ]),
      installations,
    }),
  );

  const composed = composeServices([
    { name: PLUGIN_GRAPH, typeDefs: parse(printSchemaFile()), url: pluginGraph.url },
    { name: 'ops', typeDefs: parse(OPS_SDL), url: ops.url },
  ]);
  if (!composed.supergraphSdl)
    throw new Error((composed.errors ?? []).map((e) => e.message).join('\n'));
  [sseGateway, wsGateway] = await Promise.all([
    startHiveGateway({ supergraphSdl: composed.supergraphSdl, subscriptions: 'sse' }),
    startHiveGateway({ supergraphSdl: composed.supergraphSdl, subscriptions: 'ws' }),
  ]);
});

afterAll(async () => {
  await sseGateway?.close();
  await wsGateway?.close();
  ops?.server.close();
  await pluginGraph?.close();
  await t?.close();
});

afterEach(() => {
  for (const sim of Object.values(t.sims)) sim.server.clearFaults();
});

async function collect(
  results: AsyncIterable<{ data?: { taskProgress: TaskEvent } | null; errors?: unknown }>,
): Promise<TaskEvent[]> {
  const events: TaskEvent[] = [];
  for await (const result of results) {
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    if (result.data) events.push(result.data.taskProgress);
  }
  return events;
}

/** Launches an appliance install through the gateway, as the operator; the task's id. */
async function installThrough(gateway: HiveGateway, version: string): Promise<string> {
  const res = await post<{ installUpdate: { __typename: string; task: { id: string } } }>(
    gateway.url,
    INSTALL,
    { token: OPERATOR, variables: { version } },
  );
  expect(res.errors).toBeUndefined();
  expect(res.data?.installUpdate.__typename).toBe('InstallUpdatePayload');
  return res.data!.installUpdate.task.id;
}

describe('plugin-graph behind Hive Gateway, tokens on', () => {
  it('a query that starts in plugin-graph gets the other subgraph’s field', async () => {
    const res = await post<{
      plugins: { edges: { node: { id: string; name: string; rating: number } }[] };
    }>(sseGateway.url, '{ plugins(backend: HSS) { edges { node { id name rating } } } }', {
      token: VIEWER,
    });
    expect(res.errors).toBeUndefined();
    const ndr = res.data?.plugins.edges.find((e) => e.node.id === NDR);
    expect(ndr?.node).toMatchObject({ rating: 4 });
    expect(ndr?.node.name).toBeTruthy();
  });

  it('a query that starts in the other subgraph resolves 20 installations in one _entities call', async () => {
    const before = { requests: reached.requests, fetches: sseGateway.fetches.length };
    const res = await post<{
      recentInstallations: { id: string; status: string; plugin: { name: string } }[];
    }>(sseGateway.url, '{ recentInstallations { id status plugin { name } } }', {
      token: VIEWER,
    });
    expect(res.errors).toBeUndefined();
    expect(res.data?.recentInstallations.map((i) => i.id)).toEqual(installations);
    expect(res.data?.recentInstallations.every((i) => i.status && i.plugin.name)).toBe(true);
    // One request reached plugin-graph, and it was one _entities with all 20 representations.
    expect(reached.requests - before.requests).toBe(1);
    const sent = sseGateway.fetches.slice(before.fetches).filter((f) => f.url === pluginGraph.url);
    expect(sent).toHaveLength(1);
    const body = JSON.parse(sent[0]?.body ?? '{}') as {
      query: string;
      variables: { representations: unknown[] };
    };
    expect(body.query).toContain('_entities');
    expect(body.variables.representations).toHaveLength(20);
  });

  it('a partial failure is visible in failures through the gateway', async () => {
    t.sims.zstack.server.inject(
      { kind: 'status', status: 503 },
      { match: (r) => r.method === 'GET' },
    );
    type Plugins = {
      plugins: {
        edges: { node: { backend: string; rating: number } }[];
        failures: { backend: string; code: string; message: string }[];
      };
    };
    // ZStack was read before (its snapshot answers): its failing refresh is the failure.
    const res = await waitFor(async () => {
      const answer = await post<Plugins>(
        sseGateway.url,
        '{ plugins(first: 100) { edges { node { backend rating } } failures { backend code message } } }',
        { token: VIEWER },
      );
      return answer.data?.plugins.failures.length ? answer : undefined;
    }, 'a failure reported through the gateway');
    expect(res.status).toBe(200);
    expect(new Set(res.data?.plugins.edges.map((e) => e.node.backend))).toEqual(
      new Set(['SDM', 'ZSTACK', 'HSS', 'KORAP']),
    );
    expect(res.data?.plugins.failures).toEqual([
      { backend: 'ZSTACK', code: 'BACKEND_STALE', message: expect.any(String) },
    ]);
  });

  it('the caller’s own token is what reaches plugin-graph', async () => {
    const none = await post(sseGateway.url, '{ plugins { edges { node { id } } } }');
    expect(none.data ?? null).toBeNull();
    expect(none.errors?.map((e) => e.extensions?.code)).toContain('UNAUTHENTICATED');
    const viewer = await post(sseGateway.url, INSTALL, {
      token: VIEWER,
      variables: { version: '9.0.3.0' },
    });
    expect(viewer.errors?.map((e) => e.extensions?.code)).toContain('FORBIDDEN');
  });

  it('taskProgress streams to SUCCESS through the gateway over SSE (subgraph over SSE)', async () => {
    const id = await installThrough(sseGateway, '9.0.3.0');
    const upgrades = reached.upgrades;
    const fetches = sseGateway.fetches.length;
    const client = createSseClient({
      url: sseGateway.url,
      headers: { authorization: bearer(VIEWER) },
      retryAttempts: 0,
    });
    try {
      const events = await collect(
        client.iterate<{ taskProgress: TaskEvent }>({ query: PROGRESS, variables: { id } }),
      );
      expect(events.at(-1)?.status).toBe('SUCCESS');
      expect(events.at(-1)?.progress).toBe(100);
    } finally {
      client.dispose();
    }
    // The gateway subscribed with an event stream, not a WebSocket.
    expect(reached.upgrades).toBe(upgrades);
    const subscribed = sseGateway.fetches
      .slice(fetches)
      .filter((f) => f.url.startsWith(pluginGraph.url));
    expect(subscribed.map((f) => f.accept)).toEqual([expect.stringContaining('text/event-stream')]);
  });

  it('taskProgress streams to SUCCESS through the gateway over WebSocket (subgraph over WebSocket)', async () => {
    const id = await installThrough(wsGateway, '9.1.0.0');
    const upgrades = reached.upgrades;
    const client = createWsClient({
      url: wsGateway.wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: bearer(VIEWER) },
    });
    try {
      const events = await collect(
        client.iterate<{ taskProgress: TaskEvent }>({ query: PROGRESS, variables: { id } }),
      );
      expect(events.at(-1)?.status).toBe('SUCCESS');
      expect(events.at(-1)?.progress).toBe(100);
    } finally {
      await client.dispose();
    }
    // plugin-graph accepted the gateway's socket: its connection_init carried the caller's token.
    expect(reached.upgrades).toBe(upgrades + 1);
  });
});
