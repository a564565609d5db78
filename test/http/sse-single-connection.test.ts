import { createClient } from 'graphql-sse';
import { describe, expect, it } from 'vitest';
import type { TestRuntime } from '../helpers/runtime.ts';
import { waitFor } from '../helpers/wait-for.ts';
import {
  expectMonotonic,
  INSTALL,
  listening,
  PROGRESS,
  type TaskEvent,
} from '../subscriptions/helpers.ts';

/**
 * graphql-sse's single connection mode (PUT reserves a stream and answers its token; GET with
 * the token opens it; each operation is a POST with the token, answered 202, its results on the
 * stream; DELETE stops one), with graphql-sse's own client against a real socket.
 */

const VIEWER = 'viewer-token-5e0a';
const OPERATOR = 'operator-token-c4d1';
const auth = {
  mode: 'tokens' as const,
  tokens: new Map([
    [VIEWER, { role: 'viewer' as const, name: 'viewer' }],
    [OPERATOR, { role: 'operator' as const, name: 'operator' }],
  ]),
};

async function install(t: TestRuntime, headers: Record<string, string> = {}): Promise<string> {
  const res = await t.runtime.app.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: JSON.stringify({ query: INSTALL, variables: { version: '9.0.3.0' } }),
  });
  const body = (await res.json()) as { data: { installUpdate: { task: { id: string } } } };
  return body.data.installUpdate.task.id;
}

function singleConnection(url: string, headers: Record<string, string> = {}) {
  return createClient({ url, singleConnection: true, retryAttempts: 0, headers });
}

async function follow(client: ReturnType<typeof singleConnection>, id: string) {
  const events: TaskEvent[] = [];
  for await (const result of client.iterate<{ taskProgress: TaskEvent }>({
    query: PROGRESS,
    variables: { id },
  })) {
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    if (result.data) events.push(result.data.taskProgress);
  }
  return events;
}

async function openSubscriptions(t: TestRuntime): Promise<number> {
  const metrics = await (await t.runtime.app.fetch('http://localhost/metrics')).text();
  return Number(/^plugin_graph_subscriptions_open (\d+)$/m.exec(metrics)?.[1]);
}

describe('graphql-sse single connection mode', () => {
  it('two subscriptions and a query share one stream; each ends at its own SUCCESS', async () => {
    const { t, http } = await listening();
    const requests: string[] = [];
    http.server.on('request', (req) => requests.push(req.method ?? ''));
    const [first, second] = [await install(t), await install(t, {})];
    const client = singleConnection(http.url);
    try {
      const query = client.iterate<{ backends: { backend: string }[] }>({
        query: '{ backends { backend } }',
      });
      const [a, b, backends] = await Promise.all([
        follow(client, first),
        follow(client, second),
        query.next(),
      ]);
      for (const events of [a, b]) {
        expectMonotonic(events);
        expect(events.at(-1)).toMatchObject({ status: 'SUCCESS', progress: 100 });
      }
      expect(backends.value?.data?.backends).toContainEqual({ backend: 'APPLIANCE' });
    } finally {
      client.dispose();
    }
    expect(requests.filter((m) => m === 'PUT')).toHaveLength(1);
    expect(requests.filter((m) => m === 'GET')).toHaveLength(1);
    expect(requests.filter((m) => m === 'POST').length).toBeGreaterThanOrEqual(3);
  });

  it('an operation the client leaves early is stopped (DELETE) and released', async () => {
    const { t, http } = await listening({ appliance: { installMs: 60_000 } });
    const id = await install(t);
    const client = singleConnection(http.url);
    try {
      const events = client.iterate<{ taskProgress: TaskEvent }>({
        query: PROGRESS,
        variables: { id },
      });
      const firstEvent = await events.next();
      expect(firstEvent.value?.data?.taskProgress.id).toBe(id);
      expect(await openSubscriptions(t)).toBe(1);
      await events.return?.(undefined);
      await waitFor(async () => (await openSubscriptions(t)) === 0, 'no subscription open');
    } finally {
      client.dispose();
    }
  });

  it('a client that goes away (stream closed) releases every operation on it', async () => {
    const { t, http } = await listening({ appliance: { installMs: 60_000 } });
    const id = await install(t);
    const client = singleConnection(http.url);
    const events = client.iterate<{ taskProgress: TaskEvent }>({
      query: PROGRESS,
      variables: { id },
    });
    expect((await events.next()).value?.data?.taskProgress.id).toBe(id);
    expect(await openSubscriptions(t)).toBe(1);
    client.dispose();
    await waitFor(async () => (await openSubscriptions(t)) === 0, 'no subscription open');
  });

  it('the stream cut by the client (no DELETE) stops its operations', async () => {
    const { t, http } = await listening({ appliance: { installMs: 60_000 } });
    const id = await install(t);
    const token = await (await fetch(http.url, { method: 'PUT' })).text();
    const controller = new AbortController();
    const stream = await fetch(http.url, {
      headers: { accept: 'text/event-stream', 'x-graphql-event-stream-token': token },
      signal: controller.signal,
    });
    const posted = await fetch(http.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-graphql-event-stream-token': token },
      body: JSON.stringify({
        query: PROGRESS,
        variables: { id },
        extensions: { operationId: 'op1' },
      }),
    });
    expect(posted.status).toBe(202);
    const reader = stream.body!.getReader();
    let text = '';
    while (!text.includes('event: next'))
      text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toMatch(/^event: next\ndata: \{"id":"op1","payload":\{"data":\{"taskProgress"/m);
    expect(await openSubscriptions(t)).toBe(1);
    controller.abort();
    await waitFor(async () => (await openSubscriptions(t)) === 0, 'no subscription open');
    // The token died with its stream.
    const after = await fetch(http.url, {
      headers: { accept: 'text/event-stream', 'x-graphql-event-stream-token': token },
    });
    expect(after.status).toBe(404);
  });

  it('drain: each operation ends with SHUTTING_DOWN, then the stream; no new reservations', async () => {
    const { t, http } = await listening({ appliance: { installMs: 60_000 } });
    const id = await install(t);
    const client = singleConnection(http.url);
    try {
      const results = client.iterate<{ taskProgress: TaskEvent }>({
        query: PROGRESS,
        variables: { id },
      });
      expect((await results.next()).value?.data?.taskProgress.id).toBe(id);
      t.runtime.beginShutdown();
      const rest: { errors?: readonly unknown[] }[] = [];
      for await (const result of results) rest.push(result);
      const codes = rest.flatMap((r) =>
        ((r.errors ?? []) as { extensions?: { code?: string } }[]).map((e) => e.extensions?.code),
      );
      expect(codes).toEqual(['SHUTTING_DOWN']);
      expect(await openSubscriptions(t)).toBe(0);
    } finally {
      client.dispose();
    }
    const late = await fetch(http.url, { method: 'PUT' });
    expect(late.status).toBe(503);
    expect(
      ((await late.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions
        .code,
    ).toBe('SHUTTING_DOWN');
  });

  it('auth on: with a viewer token it streams; a reservation without one is 401 UNAUTHENTICATED', async () => {
    const { t, http } = await listening({ config: { auth } });
    const id = await install(t, { authorization: `Bearer ${OPERATOR}` });
    const client = singleConnection(http.url, { authorization: `Bearer ${VIEWER}` });
    try {
      expect((await follow(client, id)).at(-1)).toMatchObject({ status: 'SUCCESS' });
    } finally {
      client.dispose();
    }
    const anonymous = await fetch(http.url, { method: 'PUT' });
    expect(anonymous.status).toBe(401);
    const body = (await anonymous.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors.map((e) => e.extensions.code)).toEqual(['UNAUTHENTICATED']);
  });

  it('a viewer mutation through the stream is FORBIDDEN, as on every transport', async () => {
    const { t, http } = await listening({ config: { auth } });
    const client = singleConnection(http.url, { authorization: `Bearer ${VIEWER}` });
    try {
      const results = client.iterate({ query: INSTALL, variables: { version: '9.0.3.0' } });
      const { value } = await results.next();
      const errors = (value?.errors ?? []) as { extensions?: { code?: string } }[];
      expect(errors.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    } finally {
      client.dispose();
    }
    expect(t.appliance.server.count({ path: /\/actions\/install$/ })).toBe(0);
  });

  it('protocol answers: unknown token 404, a second open of one stream 409', async () => {
    const { http } = await listening();
    const stray = await fetch(http.url, {
      headers: { accept: 'text/event-stream', 'x-graphql-event-stream-token': 'nope' },
    });
    expect(stray.status).toBe(404);
    await stray.body?.cancel();
    const token = await (await fetch(http.url, { method: 'PUT' })).text();
    const controller = new AbortController();
    const open = await fetch(`${http.url}?token=${token}`, {
      headers: { accept: 'text/event-stream' },
      signal: controller.signal,
    });
    expect(open.status).toBe(200);
    const again = await fetch(http.url, {
      headers: { accept: 'text/event-stream', 'x-graphql-event-stream-token': token },
    });
    expect(again.status).toBe(409);
    await again.body?.cancel();
    controller.abort();
  });
});
