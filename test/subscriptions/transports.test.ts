import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { useMultipartSubscriptions } from '../../src/http/multipart.ts';
import type { TestRuntime } from '../helpers/runtime.ts';
import { waitFor } from '../helpers/wait-for.ts';
import {
  expectMonotonic,
  followMultipart,
  followSse,
  followWs,
  INSTALL,
  type Listening,
  listening,
  PROGRESS,
  type TaskEvent,
} from './helpers.ts';

/** The running test's runtime and socket (listening() closes them when it ends). */
let t: TestRuntime;
let http: Listening;

type InstallResult = { installUpdate: { __typename: string; task?: { id: string } } };

async function start(installMs = 300) {
  ({ t, http } = await listening({ appliance: { installMs } }));
  return { t, http };
}

const objectId = (globalId: string) => decodeGlobalID(globalId).id;

/** Starts an install; returns the task's global id (what clients see). */
async function install(rt: TestRuntime, version = '9.0.3.0'): Promise<string> {
  const res = await rt.gql<InstallResult>(INSTALL, { version });
  const id = res.data?.installUpdate.task?.id;
  if (!id) throw new Error(`install failed: ${JSON.stringify(res)}`);
  return id;
}

function expectFollowedToSuccess(events: TaskEvent[], id: string) {
  expect(events.length).toBeGreaterThan(1);
  expect(events.every((e) => e.id === id)).toBe(true);
  expect(events[0]?.status).toMatch(/QUEUED|RUNNING/);
  expect(events.at(-1)).toMatchObject({ status: 'SUCCESS', progress: 100 });
  expect(events.at(-1)?.completedAt).toBeTruthy();
  // Exactly one terminal event, and it is the last.
  expect(events.filter((e) => e.status === 'SUCCESS')).toHaveLength(1);
  expectMonotonic(events);
}

describe('Subscription.taskProgress over each transport', () => {
  it('graphql-sse client follows an installUpdate task to SUCCESS', async () => {
    const { t, http } = await start();
    const id = await install(t);
    const events = await followSse(http.url, id);
    expectFollowedToSuccess(events, id);
    // Intermediate progress was streamed, not just the end.
    expect(events.some((e) => e.status === 'RUNNING')).toBe(true);
  });

  it('graphql-ws client (graphql-transport-ws) follows an installUpdate task to SUCCESS', async () => {
    const { t, http } = await start();
    const id = await install(t);
    const events = await followWs(http.wsUrl, id);
    expectFollowedToSuccess(events, id);
    expect(events.some((e) => e.status === 'RUNNING')).toBe(true);
  });

  it('a multipart/mixed request follows an installUpdate task to SUCCESS', async () => {
    const { t, http } = await start();
    const id = await install(t);
    const { contentType, parts } = await followMultipart(http.url, id);
    expect(contentType).toMatch(/^multipart\/mixed/);
    const events = parts.map((p) => p.data?.taskProgress as TaskEvent);
    expect(parts.every((p) => p.errors === undefined)).toBe(true);
    expectFollowedToSuccess(events, id);
  });

  it('accepts the object id as well as the global id', async () => {
    const { t, http } = await start(100);
    const id = await install(t);
    const events = await followSse(http.url, objectId(id));
    expectFollowedToSuccess(events, id);
  });

  it('a finished task yields its final state once, then completes', async () => {
    const { t, http } = await start(50);
    const id = await install(t);
    await waitFor(async () => {
      const task = await t.runtime.tracker.get(objectId(id));
      return task?.status === 'SUCCESS' ? task : undefined;
    }, 'the task to end SUCCESS');
    for (const events of [await followSse(http.url, id), await followWs(http.wsUrl, id)]) {
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ id, status: 'SUCCESS', progress: 100 });
    }
  });

  it('an unknown id is a NOT_FOUND error on every transport', async () => {
    const { t, http } = await start();
    const sse = await t.runtime.app.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: PROGRESS, variables: { id: 'appliance:nope' } }),
    });
    const text = await sse.text();
    const data = text
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .map((line) => JSON.parse(line.slice(6)));
    expect(data[0]?.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

    await expect(followWs(http.wsUrl, 'appliance:nope')).rejects.toThrow(/NOT_FOUND/);
    await expect(followSse(http.url, encodeGlobalID('Task', 'appliance:nope'))).rejects.toThrow(
      /NOT_FOUND/,
    );
  });

  it('cleans up: a client leaving mid-task unsubscribes at once, and the task still ends', async () => {
    const { t, http } = await start(400);
    const id = await install(t);
    const controller = new AbortController();
    const res = await fetch(http.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: PROGRESS, variables: { id } }),
      signal: controller.signal,
    });
    const reader = res.body!.getReader();
    let seen = '';
    while (!seen.includes('event: next')) {
      const { value } = await reader.read();
      seen += new TextDecoder().decode(value);
    }
    controller.abort();
    await reader.cancel().catch(() => undefined);
    // Tracked to its end whether or not anyone watches (SPEC §6).
    const done = await waitFor(async () => {
      const task = await t.runtime.tracker.get(objectId(id));
      return task?.status === 'SUCCESS' ? task : undefined;
    }, 'the task to end SUCCESS');
    expect(done.progress).toBe(100);
  });
});

describe('Query.tasks', () => {
  it('filters by backend and status, newest first', async () => {
    const { t } = await start(50);
    const first = await install(t, '9.0.3.0');
    await waitFor(
      async () => (await t.runtime.tracker.get(objectId(first)))?.status === 'SUCCESS',
      'the first task to end SUCCESS',
    );
    t.appliance.failNextInstall('disk full');
    const second = await install(t, '9.1.0.0');
    await waitFor(
      async () => (await t.runtime.tracker.get(objectId(second)))?.status === 'ERROR',
      'the second task to end ERROR',
    );
    const list = async (args: string) => {
      const res = await t.gql<{ tasks: { edges: { node: { id: string; status: string } }[] } }>(
        `{ tasks(${args}) { edges { node { id status } } } }`,
      );
      expect(res.errors).toBeUndefined();
      return res.data?.tasks.edges.map((e) => e.node) ?? [];
    };
    const ids = (nodes: { id: string }[]) => nodes.map((n) => n.id);
    expect(ids(await list('backend: APPLIANCE'))).toEqual([second, first]);
    expect(ids(await list('backend: APPLIANCE, status: [SUCCESS]'))).toEqual([first]);
    expect(ids(await list('status: [ERROR, CANCELLED]'))).toEqual([second]);
    expect(await list('backend: SDM')).toEqual([]);
    expect(ids(await list('first: 1'))).toEqual([second]);
  });
});

describe("Apollo Client's multipart subscription protocol", () => {
  it('answers `subscriptionSpec=1.0` with `{ payload }` parts under boundary graphql', async () => {
    const { t, http } = await start(200);
    const id = await install(t);
    const res = await fetch(http.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'multipart/mixed;boundary="graphql";subscriptionSpec=1.0,application/json',
      },
      body: JSON.stringify({ query: PROGRESS, variables: { id } }),
    });
    expect(res.headers.get('content-type')).toMatch(/boundary="graphql";subscriptionSpec="1.0"/);
    const body = await res.text();
    expect(body.trimEnd().endsWith('--graphql--')).toBe(true);
    const parts = body
      .split('\r\n--graphql')
      .map((chunk) => chunk.split('\r\n\r\n')[1])
      .filter((json): json is string => json?.trim().startsWith('{') ?? false)
      .map((json) => JSON.parse(json) as { payload?: { data: { taskProgress: TaskEvent } } })
      .filter((part) => part.payload); // `{}` parts are heartbeats
    const events = parts.map((p) => p.payload!.data.taskProgress);
    expectFollowedToSuccess(events, id);
  });

  it('sends `{}` heartbeats while the stream is quiet', async () => {
    let release!: () => void;
    const quiet = new Promise<void>((r) => {
      release = r;
    });
    const yoga = createYoga({
      schema: createSchema({
        typeDefs: 'type Query { ok: Boolean } type Subscription { tick: Int }',
        resolvers: {
          Subscription: {
            tick: {
              subscribe: async function* () {
                yield { tick: 1 };
                await quiet;
                yield { tick: 2 };
              },
            },
          },
        },
      }),
      plugins: [useMultipartSubscriptions({ heartbeatMs: 20 })],
    });
    const res = await yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'multipart/mixed;subscriptionSpec=1.0,application/json',
      },
      body: JSON.stringify({ query: 'subscription { tick }' }),
    });
    const reader = res.body!.getReader();
    let text = '';
    const heartbeats = () => text.split('\r\n\r\n{}\r\n').length - 1;
    while (heartbeats() < 2) text += new TextDecoder().decode((await reader.read()).value);
    release();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    expect(text).toContain('{"payload":{"data":{"tick":1}}}');
    expect(text).toContain('{"payload":{"data":{"tick":2}}}');
    expect(text.trimEnd().endsWith('--graphql--')).toBe(true);
  });
});
