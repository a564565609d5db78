import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { TestRuntime } from '../helpers/runtime.ts';
import { waitFor } from '../helpers/wait-for.ts';
import {
  followWs,
  INSTALL,
  type Listening,
  listening,
  PROGRESS,
} from '../subscriptions/helpers.ts';

/** The running test's runtime and socket (listening() closes them when it ends). */
let t: TestRuntime;
let http: Listening;

const TOKEN = 'test-token-1';
/** Accepts one token, as auth/auth.ts's `authenticate` does with PLUGIN_GRAPH_TOKENS. */
const authenticate = async (authorization: string | undefined) =>
  authorization === `Bearer ${TOKEN}` ? 'viewer' : undefined;

async function install(rt: TestRuntime): Promise<string> {
  const res = await rt.gql<{ installUpdate: { task: { id: string } } }>(INSTALL, {
    version: '9.0.3.0',
  });
  return res.data!.installUpdate.task.id;
}

/** A raw graphql-transport-ws connection; resolves with the close code if the server closes. */
async function connect(url: string, payload: Record<string, unknown> | undefined) {
  const socket = new WebSocket(url, 'graphql-transport-ws');
  await once(socket, 'open');
  const messages: { type: string }[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(String(data))));
  const closed = once(socket, 'close').then(([code]) => code as number);
  socket.send(JSON.stringify({ type: 'connection_init', payload }));
  return { socket, messages, closed };
}

describe('WebSocket transport (graphql-transport-ws)', () => {
  it('refuses a connection without a token, or with a bad one, with 4403', async () => {
    ({ t, http } = await listening({}, { authenticate }));
    for (const payload of [undefined, {}, { authorization: 'Bearer wrong' }]) {
      const { closed, messages } = await connect(http.wsUrl, payload);
      expect(await closed).toBe(4403);
      expect(messages.map((m) => m.type)).not.toContain('connection_ack');
    }
    // The graphql-ws client sees the same refusal.
    const id = await install(t);
    await expect(followWs(http.wsUrl, id)).rejects.toMatchObject({ code: 4403 });
  });

  it('accepts the token from the connection_init payload and streams to the end', async () => {
    ({ t, http } = await listening({ appliance: { installMs: 200 } }, { authenticate }));
    const id = await install(t);
    const events = await followWs(http.wsUrl, id, { authorization: `Bearer ${TOKEN}` });
    expect(events.at(-1)?.status).toBe('SUCCESS');
  });

  it('a quiet subscription stays open across keep-alive pings, then still gets the end', async () => {
    ({ t, http } = await listening(
      {
        appliance: { installMs: 300 },
        config: { taskGraceMs: 60_000 },
      },
      // graphql-ws terminates a socket whose pong does not come within one period: 50 ms was
      // shorter than a busy machine's turn, so the client's pong came late (issue 26.7).
      { keepAliveMs: 500 },
    ));
    // The appliance stops answering task polls: nothing changes, the stream goes quiet.
    t.appliance.server.inject({ kind: 'drop' }, { match: (r) => r.path.startsWith('/tasks/') });
    const id = await install(t);

    const { socket, messages } = await connect(http.wsUrl, {});
    let pings = 0;
    socket.on('ping', () => pings++);
    await waitFor(async () => messages.some((m) => m.type === 'connection_ack'), 'connection_ack');
    socket.send(
      JSON.stringify({
        id: '1',
        type: 'subscribe',
        payload: { query: PROGRESS, variables: { id } },
      }),
    );
    await waitFor(async () => messages.some((m) => m.type === 'next'), 'a next message');
    const seen = messages.length;
    // Several keep-alive periods with nothing to say.
    await waitFor(async () => pings >= 3, 'three pings');
    expect(socket.readyState).toBe(WebSocket.OPEN);
    expect(messages.length).toBe(seen);

    t.appliance.server.clearFaults();
    await waitFor(async () => messages.some((m) => m.type === 'complete'), 'a complete message');
    const last = messages.filter((m) => m.type === 'next').at(-1) as unknown as {
      payload: { data: { taskProgress: { status: string } } };
    };
    expect(last.payload.data.taskProgress.status).toBe('SUCCESS');
    socket.close();
  });
});

describe('SSE keep-alive', () => {
  it('a quiet SSE subscription gets keep-alive comments and stays open until the end', async () => {
    ({ t, http } = await listening({
      appliance: { installMs: 300 },
      config: { taskGraceMs: 60_000 },
    }));
    t.appliance.server.inject({ kind: 'drop' }, { match: (r) => r.path.startsWith('/tasks/') });
    const id = await install(t);
    const res = await fetch(http.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: PROGRESS, variables: { id } }),
    });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const readUntil = async (test: (s: string) => boolean) => {
      while (!test(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended early: ${text}`);
        text += decoder.decode(value);
      }
    };
    await readUntil((s) => s.includes('event: next'));
    // The listener pings with an SSE comment (12 s in production, 300 ms in listen()).
    const afterFirst = text.length;
    await readUntil((s) => s.slice(afterFirst).includes(':\n\n'));
    expect(text.slice(afterFirst)).not.toContain('event: next');
    t.appliance.server.clearFaults();
    await readUntil((s) => s.includes('event: complete'));
    expect(text).toContain('"status":"SUCCESS"');
  });
});
