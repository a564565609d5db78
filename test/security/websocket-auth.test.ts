import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient } from 'graphql-ws';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { attachWebSocket, type WebSocketTransport } from '../../src/http/websocket.ts';
import { startTestRuntime, type TestRuntime } from '../helpers/runtime.ts';

/** Issue 7: the same auth rules over WebSocket, with the runtime's own `authenticate`. */

const OPERATOR = 'ws-operator-token-41b7';
const VIEWER = 'ws-viewer-token-9c2e';
const INSTALL = `mutation { installUpdate(input: { version: "9.0.3.0" }) {
  __typename ... on InstallUpdatePayload { task { id } } } }`;

let t: TestRuntime | undefined;
let server: Server | undefined;
let ws: WebSocketTransport | undefined;
afterEach(async () => {
  await ws?.close(0);
  server?.closeAllConnections();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  await t?.close();
});

async function start(): Promise<string> {
  t = await startTestRuntime({
    appliance: { installMs: 60_000 },
    config: {
      auth: {
        mode: 'tokens',
        tokens: new Map([
          [OPERATOR, { role: 'operator' as const, name: 'operator' }],
          [VIEWER, { role: 'viewer' as const, name: 'viewer' }],
        ]),
      },
    },
  });
  server = createServer(t.runtime.app);
  ws = attachWebSocket(server, t.runtime.app, { authenticate: t.runtime.authenticate });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
}

interface Result {
  data?: Record<string, unknown> | null;
  errors?: { extensions?: { code?: string } }[];
}

function run(url: string, token: string | undefined, query: string): Promise<Result> {
  const client = createClient({
    url,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
  });
  return new Promise<Result>((resolve, reject) => {
    let last: Result = {};
    client.subscribe(
      { query },
      {
        next: (value) => {
          last = value as Result;
        },
        error: reject,
        complete: () => resolve(last),
      },
    );
  }).finally(() => client.dispose());
}

describe('WebSocket auth', () => {
  it('no token or an unknown one: the connection is refused (4403)', async () => {
    const url = await start();
    await expect(run(url, undefined, '{ backends { backend } }')).rejects.toMatchObject({
      code: 4403,
    });
    await expect(run(url, 'nope', '{ backends { backend } }')).rejects.toMatchObject({
      code: 4403,
    });
  });

  it("a viewer may query; a viewer's mutation is FORBIDDEN and reaches no backend", async () => {
    const url = await start();
    const query = await run(url, VIEWER, '{ backends { backend } }');
    expect(query.errors).toBeUndefined();
    expect(query.data?.backends).toHaveLength(5);
    const before = t!.appliance.server.count({ path: /\/actions\/install$/ });
    const refused = await run(url, VIEWER, INSTALL);
    expect(refused.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(t!.appliance.server.count({ path: /\/actions\/install$/ })).toBe(before);
  });

  it('an operator may mutate', async () => {
    const url = await start();
    const done = await run(url, OPERATOR, INSTALL);
    expect(done.errors).toBeUndefined();
    expect(done.data?.installUpdate).toMatchObject({ __typename: 'InstallUpdatePayload' });
  });
});
