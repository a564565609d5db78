import { createGraphQLError } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/guards/limits.ts';
import { printResult } from '../../src/http/sse.ts';
import type { TestRuntime } from '../helpers/runtime.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { INSTALL, type Listening, listening, PROGRESS } from '../subscriptions/helpers.ts';

/** The running test's runtime and socket (listening() closes them when it ends). */
let t: TestRuntime;
let http: Listening;

/** A runtime on a real socket (nodeListener) with one install that has already finished. */
async function finishedTask() {
  ({ t, http } = await listening({ appliance: { installMs: 50 } }));
  const res = await t.gql<{ installUpdate: { task: { id: string } } }>(INSTALL, {
    version: '9.0.3.0',
  });
  const id = res.data!.installUpdate.task.id;
  const rt = t;
  await waitFor(async () => {
    const r = await rt.gql<{ node: { status: string } }>(
      'query($id: ID!) { node(id: $id) { ... on Task { status } } }',
      { id },
    );
    return r.data?.node.status === 'SUCCESS';
  }, 'the task to end SUCCESS');
  return { url: http.url, id };
}

const subscribe = (url: string, id: string, accept: string, signal?: AbortSignal) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept },
    body: JSON.stringify({ query: PROGRESS, variables: { id } }),
    signal,
  });

describe('SSE written to the socket by nodeListener', () => {
  it('sends the same status, headers and bytes as Yoga’s own SSE processor', async () => {
    const { url, id } = await finishedTask();
    // With a multipart alternative in `accept`, Yoga's processor answers (sse.ts steps aside).
    const [lean, yoga] = await Promise.all([
      subscribe(url, id, 'text/event-stream'),
      subscribe(url, id, 'text/event-stream, multipart/mixed'),
    ]);
    expect(lean.status).toBe(yoga.status);
    for (const header of ['content-type', 'cache-control', 'connection', 'content-encoding'])
      expect(lean.headers.get(header)).toBe(yoga.headers.get(header));
    expect(lean.headers.get('x-request-id')).toBeTruthy();
    const [leanText, yogaText] = await Promise.all([lean.text(), yoga.text()]);
    expect(leanText).toBe(yogaText);
    expect(leanText).toMatch(
      /^:\n\nevent: next\ndata: \{"data":\{"taskProgress":\{.*"status":"SUCCESS"/,
    );
    expect(leanText.endsWith('event: complete\ndata:\n\n')).toBe(true);
  });

  it('a client leaving releases the subscription at once', async () => {
    ({ t, http } = await listening({ appliance: { installMs: 60_000 } }));
    const res = await t.gql<{ installUpdate: { task: { id: string } } }>(INSTALL, {
      version: '9.0.3.0',
    });
    const id = res.data!.installUpdate.task.id;
    const controller = new AbortController();
    const stream = await subscribe(http.url, id, 'text/event-stream', controller.signal);
    const reader = stream.body!.getReader();
    let text = '';
    while (!text.includes('event: next'))
      text += new TextDecoder().decode((await reader.read()).value);
    const open = async () => {
      const metrics = await (await t!.runtime.app.fetch('http://localhost/metrics')).text();
      return Number(/^plugin_graph_subscriptions_open (\d+)$/m.exec(metrics)?.[1]);
    };
    expect(await open()).toBe(1);
    controller.abort();
    await waitFor(async () => (await open()) === 0, 'no subscription open');
  });
});

describe('SSE requests read by nodeListener before Yoga', () => {
  it('a body over the cap is refused (413) before it is read, as for any request', async () => {
    ({ t, http } = await listening());
    const res = await fetch(http.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: `{ __typename } # ${'x'.repeat(LIMITS.maxRequestBodyBytes)}` }),
    });
    expect(res.status).toBe(413);
    expect(await res.text()).toContain('REQUEST_ENTITY_TOO_LARGE');
  });

  it('a body that is not JSON gets the answer Yoga gives when it reads the body itself', async () => {
    ({ t, http } = await listening());
    const init = {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: '{ not json',
    };
    const [socket, inProcess] = await Promise.all([
      fetch(http.url, init),
      t.runtime.app.fetch('http://localhost/graphql', init),
    ]);
    expect(socket.status).toBe(inProcess.status);
    const text = await socket.text();
    expect(text).toBe(await inProcess.text());
    expect(text).toContain('event: next');
  });
});

describe('printResult', () => {
  it('prints errors as Yoga does: without the internal http and unexpected extensions', () => {
    const error = createGraphQLError('Unexpected error.', {
      path: ['taskProgress'],
      extensions: { code: 'INTERNAL_SERVER_ERROR', unexpected: true, http: { status: 500 } },
    });
    const plain = createGraphQLError('gone', { extensions: { http: { status: 404 } } });
    expect(
      JSON.parse(
        printResult({ data: null, errors: [error, plain], extensions: { http: {}, cost: 3 } }),
      ),
    ).toEqual({
      data: null,
      errors: [
        {
          message: 'Unexpected error.',
          path: ['taskProgress'],
          extensions: { code: 'INTERNAL_SERVER_ERROR' },
        },
        { message: 'gone' },
      ],
      extensions: { cost: 3 },
    });
  });

  it('uses the compiled stringify a graphql-jit result carries', () => {
    const result = { data: { a: 1 }, stringify: () => 'compiled' };
    expect(printResult(result)).toBe('compiled');
  });
});

describe('taskProgress arguments', () => {
  // graphql-jit handed a subscription field the variables as its arguments (src/schema/subscription-arguments.ts).
  it.each([
    [
      'an inline literal',
      (id: string) => ({ query: `subscription { taskProgress(id: "${id}") { status } }` }),
    ],
    [
      'a variable named unlike the argument',
      (id: string) => ({
        query: 'subscription($task: ID!) { taskProgress(id: $task) { status } }',
        variables: { task: id },
      }),
    ],
  ])('reaches the task given as %s', async (_, body) => {
    const { url, id } = await finishedTask();
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify(body(id)),
    });
    const text = await res.text();
    expect(text).toContain('"taskProgress":{"status":"SUCCESS"}');
    expect(text).not.toContain('errors');
  });
});
