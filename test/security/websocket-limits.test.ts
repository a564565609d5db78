import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect as connectTcp } from 'node:net';
import { createClient } from 'graphql-ws';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  type ApplianceSimulator,
  startApplianceSimulator,
} from '../../src/backends/appliance/simulator.ts';
import { LIMITS } from '../../src/guards/limits.ts';
import { nodeListener } from '../../src/http/node-listener.ts';
import {
  attachWebSocket,
  type WebSocketOptions,
  type WebSocketTransport,
} from '../../src/http/websocket.ts';
import { startTestRuntime, type TestRuntime } from '../helpers/runtime.ts';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.ts';

/**
 * Hardening 12.1: what a WebSocket may send and hold before and after it authenticates. Before,
 * `ws` accepted messages up to its default 100 MiB from anyone, and a socket that never sent
 * `connection_init` stayed as long as it ignored the close frame.
 */

const TOKEN = 'ws-limits-viewer-7f3a';
const authenticate = async (authorization: string | undefined) =>
  authorization === `Bearer ${TOKEN}` ? 'viewer' : undefined;

let t: TestRuntime | undefined;
let server: Server | undefined;
let transport: WebSocketTransport | undefined;
let serverProcess: ServerProcess | undefined;
let appliance: ApplianceSimulator | undefined;
afterEach(async () => {
  await transport?.close(0);
  server?.closeAllConnections();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  await t?.close();
  t = server = transport = undefined;
  serverProcess?.proc.kill('SIGKILL');
  await serverProcess?.exited;
  await appliance?.close();
  serverProcess = appliance = undefined;
});
async function start(options: Omit<WebSocketOptions, 'authenticate'> = {}): Promise<string> {
  t = await startTestRuntime();
  server = createServer(nodeListener(t.runtime.app));
  transport = attachWebSocket(server, t.runtime.app, { authenticate, ...options });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
}

/** Resolves once the next socket the server accepts is closed on the server's side. */
function nextServerSocketClosed(): Promise<void> {
  return new Promise((resolve) => {
    transport!.server.once('connection', (socket: WebSocket) =>
      socket.once('close', () => resolve()),
    );
  });
}

/** A raw graphql-transport-ws socket, open; `closed` resolves with the code the client saw. */
async function rawSocket(url: string) {
  const socket = new WebSocket(url, 'graphql-transport-ws');
  const messages: { type: string }[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(String(data))));
  const closed = once(socket, 'close').then(([code]) => code as number);
  await once(socket, 'open');
  return { socket, messages, closed };
}

interface Result {
  data?: Record<string, unknown> | null;
  errors?: { extensions?: { code?: string } }[];
}

/** One operation with graphql-ws's client; rejects with the CloseEvent if the socket closes. */
function run(url: string, query: string, authorization = `Bearer ${TOKEN}`): Promise<Result> {
  const client = createClient({
    url,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    connectionParams: { authorization },
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

async function expectServes(url: string): Promise<void> {
  const result = await run(url, '{ backends { backend } }');
  expect(result.errors).toBeUndefined();
  expect(result.data?.backends).toHaveLength(5);
}

const overCap = LIMITS.maxRequestBodyBytes + 1;

describe('WebSocket message cap (the HTTP body cap)', () => {
  it('an oversized connection_init from graphql-ws closes with 1009; the server serves on', async () => {
    const url = await start();
    const released = nextServerSocketClosed();
    await expect(
      run(url, '{ backends { backend } }', `Bearer ${'x'.repeat(overCap)}`),
    ).rejects.toMatchObject({ code: 1009 });
    // The server let the socket (and what it had received) go, and still serves.
    await released;
    expect(transport!.server.clients.size).toBe(0);
    await expectServes(url);
  });

  it('an oversized message after connection_ack closes with 1009 too', async () => {
    const url = await start();
    const released = nextServerSocketClosed();
    const { socket, messages, closed } = await rawSocket(url);
    socket.send(
      JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${TOKEN}` } }),
    );
    await once(socket, 'message');
    expect(messages.map((m) => m.type)).toEqual(['connection_ack']);
    socket.send(
      JSON.stringify({
        id: '1',
        type: 'subscribe',
        payload: { query: `{ backends { backend } } #${'x'.repeat(overCap)}` },
      }),
    );
    expect(await closed).toBe(1009);
    await released;
    expect(transport!.server.clients.size).toBe(0);
    await expectServes(url);
  });

  it('before connection_init a socket may send one capped message in all, not many', async () => {
    const url = await start();
    const { socket, messages, closed } = await rawSocket(url);
    // Each ping is under the cap; together they are over it: pongs would echo them back.
    const ping = JSON.stringify({ type: 'ping', payload: { pad: 'x'.repeat(overCap / 2 + 1) } });
    socket.send(ping);
    socket.send(ping);
    expect(await closed).toBe(1009);
    expect(messages.filter((m) => m.type === 'pong').length).toBeLessThanOrEqual(1);
    await expectServes(url);
  });
});

describe('unauthenticated sockets', () => {
  it('one that never sends connection_init is closed (4408) and released even if it ignores the close', async () => {
    const url = await start({ initTimeoutMs: 100, closeTimeoutMs: 100 });
    const { closed } = await rawSocket(url);
    expect(await closed).toBe(4408);

    // A raw TCP client that upgrades, then never answers the close frame: the server cuts it.
    const { port } = server!.address() as AddressInfo;
    const tcp = connectTcp(port, '127.0.0.1');
    await once(tcp, 'connect');
    tcp.write(
      [
        'GET /graphql HTTP/1.1',
        `Host: 127.0.0.1:${port}`,
        'Upgrade: websocket',
        'Connection: Upgrade',
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
        'Sec-WebSocket-Version: 13',
        'Sec-WebSocket-Protocol: graphql-transport-ws',
        '',
        '',
      ].join('\r\n'),
    );
    let received = '';
    tcp.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
    });
    await once(tcp, 'close');
    expect(received).toMatch(/^HTTP\/1\.1 101 /);
    await expectServes(url);
  });

  it('at most WS_MAX_UNAUTHENTICATED at once: the next upgrade gets 503; an ack frees a slot', async () => {
    const url = await start({ maxUnauthenticated: 2, initTimeoutMs: 60_000 });
    const first = await rawSocket(url);
    await rawSocket(url);

    const refused = new WebSocket(url, 'graphql-transport-ws');
    refused.on('error', () => undefined); // the aborted handshake, below
    const outcome = await new Promise<number | 'open'>((resolve) => {
      refused.once('open', () => resolve('open'));
      refused.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    });
    expect(outcome).toBe(503);
    refused.terminate();

    // Authenticating takes a socket out of the count: a new one may connect.
    first.socket.send(
      JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${TOKEN}` } }),
    );
    await once(first.socket, 'message');
    expect(first.messages.map((m) => m.type)).toEqual(['connection_ack']);
    await expectServes(url);
  });
});

describe('npm start', () => {
  it('takes WS_MAX_UNAUTHENTICATED from the environment', async () => {
    appliance = await startApplianceSimulator();
    serverProcess = await startServerProcess({
      APPLIANCE_URL: appliance.url,
      APPLIANCE_USERNAME: appliance.config().username,
      APPLIANCE_PASSWORD: appliance.config().password,
      PLUGIN_GRAPH_AUTH: 'none',
      WS_MAX_UNAUTHENTICATED: '1',
      WS_INIT_TIMEOUT_MS: '60000', // the waiting socket stays unauthenticated meanwhile
    });
    const url = `ws://127.0.0.1:${serverProcess.port}/graphql`;
    const waiting = await rawSocket(url);
    const refused = new WebSocket(url, 'graphql-transport-ws');
    refused.on('error', () => undefined);
    const [, response] = await once(refused, 'unexpected-response');
    expect((response as { statusCode?: number }).statusCode).toBe(503);
    refused.terminate();
    waiting.socket.close();
  });
});
