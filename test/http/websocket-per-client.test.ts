import { once } from 'node:events';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { clientAddressKey } from '../../src/http/client-address.ts';
import {
  CLOSE_SLOW_READER,
  CLOSE_TOO_MANY_OPERATIONS,
  CONNECTION_LIMITS,
} from '../../src/http/connection-limits.ts';
import type { WebSocketOptions } from '../../src/http/websocket.ts';
import { type Listening, listening } from '../subscriptions/helpers.ts';

/**
 * What one WebSocket client can hold on the server (issue 25, points 4 and 5): operations in
 * flight and bytes waiting for a reader that never reads, per socket; sockets awaiting their
 * `connection_init`, per client address under a global ceiling.
 */

/** An answer of ~47 KB: a reader that never reads fills the kernel's buffers in ~100 of them. */
const BIG_QUERY =
  '{ __schema { types { name description fields { name description args { name description } type { name kind ofType { name kind } } } } } }';

/** Acknowledged graphql-transport-ws client that then stops reading (its socket paused). */
async function deafClient(http: Listening) {
  const serverSide = once(http.websocket.server, 'connection').then(([s]) => s as WebSocket);
  const client = new WebSocket(http.wsUrl, 'graphql-transport-ws');
  await once(client, 'open');
  const server = await serverSide;
  const messages: { type: string }[] = [];
  client.on('message', (data) => messages.push(JSON.parse(String(data))));
  const closed = once(client, 'close').then(([code]) => code as number);
  client.send(JSON.stringify({ type: 'connection_init', payload: {} }));
  const [ack] = await once(client, 'message');
  expect(JSON.parse(String(ack))).toEqual({ type: 'connection_ack' });
  messages.length = 0;
  // ws' own client keeps its net.Socket here: paused, nothing more is read from the kernel.
  const raw = (client as unknown as { _socket: Socket })._socket;
  raw.pause();
  let received = 0;
  server.on('message', () => received++);
  let sent = 0;
  return {
    client,
    server,
    messages,
    closed,
    get sent() {
      return sent;
    },
    /** Sends `count` operations and resolves once the server has received every one. */
    async send(count: number) {
      for (let i = 0; i < count; i++) {
        sent++;
        client.send(
          JSON.stringify({ id: String(sent), type: 'subscribe', payload: { query: BIG_QUERY } }),
        );
      }
      const gone = once(server, 'close');
      while (received < sent) await Promise.race([once(server, 'message'), gone]);
    },
    /** Reads again: what the server queued, then its close frame. */
    resume: () => raw.resume(),
  };
}

/**
 * A client that acks, sends BIG_QUERY operations and never reads, until the server stops taking
 * them: the close code it then reads, how many it sent, and what the server held at the close.
 */
async function flood(options: WebSocketOptions, maxOperations: number) {
  // The close frame waits behind every queued byte: the server must not cut the socket before
  // the client, reading again, gets to it.
  const { http } = await listening({}, { closeTimeoutMs: 600_000, ...options });
  const deaf = await deafClient(http);
  // ~47 KB each: 600 of them are 28 MB, far more than a loopback socket's kernel buffers hold.
  while (deaf.server.readyState === WebSocket.OPEN && deaf.sent < maxOperations)
    await deaf.send(20);
  // The server closed the socket (its close frame waits behind what it queued).
  expect(deaf.server.readyState).toBe(WebSocket.CLOSING);
  const bufferedAtClose = deaf.server.bufferedAmount;
  deaf.resume();
  const code = await deaf.closed;
  const answers = deaf.messages.filter((m) => m.type === 'next').length;
  return { code, bufferedAtClose, sent: deaf.sent, answers };
}

describe('WebSocket: a client that sends operations and never reads', () => {
  it('is closed with 1013 once more than maxBufferedBytes wait for it; no more is queued', async () => {
    const maxBufferedBytes = 256 * 1024;
    const result = await flood({ maxBufferedBytes }, 600);
    expect(result.code).toBe(CLOSE_SLOW_READER);
    // At most one answer (~47 KB) past the bound, and the close frame.
    expect(result.bufferedAtClose).toBeLessThanOrEqual(maxBufferedBytes + 64 * 1024);
    expect(result.answers).toBeLessThan(result.sent);
  });

  it('is closed with 4429 once more than maxOperations are in flight on the socket', async () => {
    const maxOperations = 20;
    const result = await flood({ maxOperations }, 600);
    expect(result.code).toBe(CLOSE_TOO_MANY_OPERATIONS);
    // Each operation in flight holds its answer: at most maxOperations of them wait.
    expect(result.bufferedAtClose).toBeLessThanOrEqual(maxOperations * 64 * 1024);
    expect(result.answers).toBeLessThan(result.sent);
  });
});

/** An upgrade from `localAddress`: the open socket, or the HTTP status it was refused with. */
function upgrade(url: string, localAddress: string): Promise<WebSocket | number> {
  const socket = new WebSocket(url, 'graphql-transport-ws', { localAddress });
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      socket.terminate();
    });
    socket.once('error', reject);
  });
}

describe('WebSocket: sockets awaiting connection_init', () => {
  it('one address holding its share leaves room for others; all together stop at the ceiling', async () => {
    const token = 'test-token-1';
    const authenticate = async (authorization: string | undefined) =>
      authorization === `Bearer ${token}` ? 'viewer' : undefined;
    const ceiling = 100; // WS_MAX_UNAUTHENTICATED's default
    const share = CONNECTION_LIMITS.maxUnauthenticatedPerAddress;
    // The sockets never send connection_init and nothing times them out during the test.
    const { http } = await listening(
      {},
      { authenticate, maxUnauthenticated: ceiling, initTimeoutMs: 600_000 },
    );
    // One client opens as many sockets as the ceiling and authenticates none.
    const flood = await Promise.all(
      Array.from({ length: ceiling }, () => upgrade(http.wsUrl, '127.0.0.2')),
    );
    expect(flood.filter((s) => s instanceof WebSocket)).toHaveLength(share);
    expect(new Set(flood.filter((s) => !(s instanceof WebSocket)))).toEqual(new Set([429]));

    // Another client is let in and acknowledged.
    const legit = await upgrade(http.wsUrl, '127.0.0.1');
    if (!(legit instanceof WebSocket)) throw new Error(`upgrade refused with ${legit}`);
    legit.send(
      JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }),
    );
    const [ack] = await once(legit, 'message');
    expect(JSON.parse(String(ack))).toEqual({ type: 'connection_ack' });
    legit.close();

    // Other addresses take their shares up to the ceiling; past it, every address gets 503.
    let held = share;
    for (let host = 3; held < ceiling; host++) {
      const opened = await Promise.all(
        Array.from({ length: share }, () => upgrade(http.wsUrl, `127.0.0.${host}`)),
      );
      expect(opened.every((s) => s instanceof WebSocket)).toBe(true);
      held += share;
    }
    expect(await upgrade(http.wsUrl, '127.0.0.200')).toBe(503);
  });
});

describe('the client address a share counts under', () => {
  it('an IPv4 address as it is (IPv4-mapped too); an IPv6 address by its /64', () => {
    expect(clientAddressKey('127.0.0.2')).toBe('127.0.0.2');
    expect(clientAddressKey('::ffff:10.1.2.3')).toBe('10.1.2.3');
    // Every address of one /64, however written, is one client.
    const keys = new Set(
      ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::9', '2001:DB8:0001:0002:ffff::1%eth0'].map(
        clientAddressKey,
      ),
    );
    expect([...keys]).toEqual(['2001:db8:1:2::/64']);
    expect(clientAddressKey('2001:db8:1:3::1')).not.toBe(clientAddressKey('2001:db8:1:2::1'));
  });
});
