import { once } from 'node:events';
import type { ExecutionResult } from 'graphql';
import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import { describe, expect, it, onTestFinished } from 'vitest';
import WebSocket from 'ws';
import type { Config } from '../../src/config/index.ts';
import { startTestRuntime } from '../helpers/runtime.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { INSTALL, type Listening, listen, PROGRESS } from '../subscriptions/helpers.ts';

/**
 * Hardening 12.10: open subscriptions per caller (MAX_SUBSCRIPTIONS_PER_CALLER, counted per token
 * over every transport) and in all (MAX_SUBSCRIPTIONS). Before, one viewer token held 3,000.
 */

const OPERATOR = 'sub-limits-operator-51c0';
const ALICE = 'sub-limits-viewer-alice-8d21';
const BOB = 'sub-limits-viewer-bob-e4f9';

interface Coded {
  extensions?: { code?: string; limit?: string };
}
type Result = ExecutionResult<Record<string, unknown>, Coded['extensions']> & {
  errors?: readonly Coded[];
};

async function start(subscriptionLimits: Config['subscriptionLimits']) {
  const t = await startTestRuntime({
    appliance: { installMs: 60_000 }, // the task runs for the whole test: streams stay open
    config: {
      auth: {
        mode: 'tokens',
        tokens: new Map([
          [OPERATOR, { role: 'operator' as const, name: 'operator' }],
          [ALICE, { role: 'viewer' as const, name: 'viewer' }],
          [BOB, { role: 'viewer' as const, name: 'viewer' }],
        ]),
      },
      subscriptionLimits,
    },
  });
  // With the runtime's own authenticate, as src/server.ts wires the WebSocket transport.
  const http = await listen(t.runtime.app, { authenticate: t.runtime.authenticate });
  onTestFinished(async () => {
    await http.close();
    await t.close();
  });
  const res = await fetch(http.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR}` },
    body: JSON.stringify({ query: INSTALL, variables: { version: '9.0.3.0' } }),
  });
  const body = (await res.json()) as { data: { installUpdate: { task: { id: string } } } };
  return { t, http, id: body.data.installUpdate.task.id };
}

/** An SSE subscription (graphql-sse's client) and its first result; `close` ends it. */
async function sse(http: Listening, token: string, id: string) {
  const client = createSseClient({
    url: http.url,
    headers: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
  });
  const results = client.iterate<Record<string, unknown>, Coded['extensions']>({
    query: PROGRESS,
    variables: { id },
  });
  const first = (await results.next()).value as Result;
  return {
    first,
    async close() {
      await results.return?.();
      client.dispose();
    },
  };
}

/** A WebSocket subscription (graphql-ws's client, token in connection_init); its first result. */
async function ws(http: Listening, token: string, id: string) {
  const client = createWsClient({
    url: http.wsUrl,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams: { authorization: `Bearer ${token}` },
  });
  const results = client.iterate<Record<string, unknown>, Coded['extensions']>({
    query: PROGRESS,
    variables: { id },
  });
  const first = (await results.next()).value as Result;
  return {
    first,
    async close() {
      await results.return?.();
      await client.dispose();
    },
  };
}

const codes = (result: Result) => result.errors?.map((e) => e.extensions?.code);

describe('subscriptions per caller', () => {
  it('beyond the per-caller cap: SUBSCRIPTION_LIMIT over SSE and WebSocket; others unaffected', async () => {
    const { http, id } = await start({ perCaller: 2, total: 100 });
    // Alice at her cap, over two transports: they count together.
    const open = [await sse(http, ALICE, id), await ws(http, ALICE, id)];
    for (const s of open) expect(s.first.data?.taskProgress).toMatchObject({ id });

    const overSse = await sse(http, ALICE, id);
    expect(overSse.first.data ?? null).toBeNull();
    expect(codes(overSse.first)).toEqual(['SUBSCRIPTION_LIMIT']);
    expect(overSse.first.errors?.[0]?.extensions?.limit).toBe('MAX_SUBSCRIPTIONS_PER_CALLER');
    await overSse.close();
    const overWs = await ws(http, ALICE, id);
    expect(codes(overWs.first)).toEqual(['SUBSCRIPTION_LIMIT']);
    await overWs.close();

    // Bob is another caller: Alice at her cap does not block him, over either transport.
    const bob = [await sse(http, BOB, id), await ws(http, BOB, id)];
    for (const s of bob) expect(s.first.data?.taskProgress).toMatchObject({ id });

    // A stream Alice ends gives her slot back.
    await open[0]?.close();
    const again = await waitFor(async () => {
      const s = await sse(http, ALICE, id);
      if (s.first.data) return s;
      await s.close();
      return undefined;
    }, 'a subscription that starts');
    expect(again.first.errors).toBeUndefined();
    for (const s of [...open, ...bob, again]) await s.close();
  });

  it('beyond the global cap: SUBSCRIPTION_LIMIT for every caller', async () => {
    const { http, id } = await start({ perCaller: 10, total: 2 });
    const open = [await sse(http, ALICE, id), await ws(http, BOB, id)];
    for (const s of open) expect(s.first.data?.taskProgress).toMatchObject({ id });
    for (const token of [ALICE, BOB]) {
      const over = await sse(http, token, id);
      expect(codes(over.first)).toEqual(['SUBSCRIPTION_LIMIT']);
      expect(over.first.errors?.[0]?.extensions?.limit).toBe('MAX_SUBSCRIPTIONS');
      await over.close();
    }
    for (const s of open) await s.close();
  });

  it('many at once on one socket: no more than the cap get through', async () => {
    const { http, id } = await start({ perCaller: 3, total: 100 });
    // Twelve subscribe messages in a row: their resolvers run interleaved, so the check before
    // them alone would let them all through.
    const socket = new WebSocket(http.wsUrl, 'graphql-transport-ws');
    const firsts = new Map<string, Result>();
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type: string; id?: string; payload?: Result };
      if (message.type === 'connection_ack') {
        for (let n = 0; n < 12; n++) {
          const subscribe = { query: PROGRESS, variables: { id } };
          socket.send(JSON.stringify({ id: String(n), type: 'subscribe', payload: subscribe }));
        }
      }
      if (message.type === 'next' && message.id && !firsts.has(message.id))
        firsts.set(message.id, message.payload ?? {});
    });
    await once(socket, 'open');
    socket.send(
      JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${ALICE}` } }),
    );
    await waitFor(async () => firsts.size === 12, 'twelve first answers');
    const results = [...firsts.values()];
    expect(results.filter((r) => r.data).length).toBe(3);
    expect(results.filter((r) => codes(r)?.[0] === 'SUBSCRIPTION_LIMIT').length).toBe(9);
    socket.close();
  });
});
