import type { ChildProcess } from 'node:child_process';
import type { ExecutionResult } from 'graphql';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ApplianceSimulator,
  startApplianceSimulator,
} from '../../src/backends/appliance/simulator.ts';
import { type SdmSimulator, startSdmSimulator } from '../../src/backends/sdm/simulator.ts';
import { LiveSubscriptions } from '../../src/http/live-subscriptions.ts';
import { startTestRuntime, type TestRuntime } from '../helpers/runtime.ts';
import { startServerProcess } from '../helpers/server-process.ts';

const INSTALL = `mutation { installUpdate(input: { version: "9.0.3.0" }) {
  ... on InstallUpdatePayload { task { id } } ... on ConflictError { task { id } } } }`;
const SUBSCRIBE = 'subscription($id: ID!) { taskProgress(id: $id) { id status progress } }';

type Reader = ReadableStreamDefaultReader<Uint8Array>;

/**
 * Reads an SSE body until `until` holds or the stream ends; bounded by the test timeout. One
 * reader per body for its whole life (releasing a lock on Yoga's stream ponyfill aborts it).
 */
async function readEvents(
  reader: Reader,
  until: (text: string) => boolean,
): Promise<{ text: string; ended: boolean }> {
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    if (until(text)) return { text, ended: false };
    const { value, done } = await reader.read();
    if (done) return { text, ended: true };
    text += decoder.decode(value, { stream: true });
  }
}

describe('drain: open subscriptions end with SHUTTING_DOWN', () => {
  let t: TestRuntime | undefined;
  afterEach(() => t?.close());

  it('an SSE subscription gets SHUTTING_DOWN and completes; new ones are refused alike', async () => {
    t = await startTestRuntime({ appliance: { installMs: 60_000 } });
    const install = await t.gql<{ installUpdate: { task: { id: string } } }>(INSTALL);
    const id = install.data?.installUpdate.task.id;
    expect(id).toBeDefined();
    const subscribe = () =>
      t!.runtime.app.fetch('http://localhost/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ query: SUBSCRIBE, variables: { id } }),
      });
    const res = await subscribe();
    const stream = res.body!.getReader();
    const first = await readEvents(stream, (text) => text.includes('"taskProgress"'));
    expect(first.ended).toBe(false);

    t.runtime.beginShutdown();
    const rest = await readEvents(stream, () => false);
    expect(rest.ended).toBe(true);
    expect(rest.text).toContain('"code":"SHUTTING_DOWN"');
    expect(rest.text).toContain('event: complete');

    const late = await readEvents((await subscribe()).body!.getReader(), () => false);
    expect(late.text).toContain('"code":"SHUTTING_DOWN"');
  });
});

describe('LiveSubscriptions (the wrapper around every subscription stream)', () => {
  /** A quiet source: next() never settles; records return(). */
  function quietSource() {
    const state = { returned: false };
    const source: AsyncIterableIterator<ExecutionResult> = {
      [Symbol.asyncIterator]() {
        return this;
      },
      next: () => new Promise<IteratorResult<ExecutionResult>>(() => undefined),
      return: async () => {
        state.returned = true;
        return { done: true, value: undefined };
      },
    };
    return { source, state };
  }

  it('a client leaving a quiet subscription releases the source at once', async () => {
    const { source, state } = quietSource();
    let open = 0;
    const live = new LiveSubscriptions(new AbortController().signal, {
      subscriptionOpened: () => open++,
      subscriptionResult: () => undefined,
      subscriptionClosed: () => open--,
    });
    const wrapped = live.wrap(source);
    expect(open).toBe(1);
    const pending = wrapped.next();
    await wrapped.return?.();
    expect(state.returned).toBe(true);
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(open).toBe(0);
  });

  it('once read, the stream no longer holds the HTTP request and params of its context', async () => {
    const { source } = quietSource();
    const context = { request: new Request('http://localhost/graphql'), params: {}, tracker: 1 };
    const wrapped = new LiveSubscriptions(new AbortController().signal).wrap(
      source,
      'Progress',
      context,
    );
    expect(context.request).toBeDefined();
    void wrapped.next();
    expect(context).toEqual({ request: undefined, params: undefined, tracker: 1 });
    await wrapped.return?.();
  });

  it('shutdown ends a quiet subscription with SHUTTING_DOWN, then done', async () => {
    const { source, state } = quietSource();
    const controller = new AbortController();
    const live = new LiveSubscriptions(controller.signal);
    const wrapped = live.wrap(source);
    const pending = wrapped.next();
    controller.abort();
    const last = await pending;
    expect(last.done).toBe(false);
    expect(last.value?.errors?.[0]?.extensions?.code).toBe('SHUTTING_DOWN');
    expect((await wrapped.next()).done).toBe(true);
    expect(state.returned).toBe(true);
  });
});

describe('server process: SIGTERM drain', () => {
  let proc: ChildProcess | undefined;
  let appliance: ApplianceSimulator | undefined;
  let sdm: SdmSimulator | undefined;
  afterEach(async () => {
    proc?.kill('SIGKILL');
    await appliance?.close();
    await sdm?.close();
  });

  it('ends an open subscription with SHUTTING_DOWN, logs out of SDM and the appliance, exits 0', async () => {
    appliance = await startApplianceSimulator({ installMs: 60_000 });
    sdm = await startSdmSimulator();
    const server = await startServerProcess({
      PLUGIN_GRAPH_AUTH: 'none',
      APPLIANCE_URL: appliance.url,
      APPLIANCE_USERNAME: appliance.config().username,
      APPLIANCE_PASSWORD: appliance.config().password,
      SDM_URL: sdm.url,
      SDM_API_VERSION: sdm.apiVersion,
      SDM_USERNAME: sdm.config().username,
      SDM_PASSWORD: sdm.config().password,
    });
    proc = server.proc;
    const { exited, url } = server;
    const post = (query: string, variables?: unknown, accept = 'application/json') =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept },
        body: JSON.stringify({ query, variables }),
      });
    // Sessions with both vendors that hold one.
    const plugins = (await (
      await post('{ plugins(backend: SDM) { edges { node { id } } } }')
    ).json()) as {
      errors?: unknown;
    };
    expect(plugins.errors).toBeUndefined();
    const install = (await (await post(INSTALL)).json()) as {
      data: { installUpdate: { task: { id: string } } };
    };
    const res = await post(
      SUBSCRIBE,
      { id: install.data.installUpdate.task.id },
      'text/event-stream',
    );
    const stream = res.body!.getReader();
    await readEvents(stream, (text) => text.includes('"taskProgress"'));

    proc.kill('SIGTERM');
    const rest = await readEvents(stream, () => false);
    expect(rest.text).toContain('"code":"SHUTTING_DOWN"');
    const code = await exited;
    expect(code).toBe(0);
    expect(sdm.server.count({ path: /\/admin\/logout$/ })).toBe(1);
    expect(sdm.sessions.size).toBe(0);
    expect(appliance.server.count({ method: 'DELETE', path: '/session' })).toBe(1);
    expect(appliance.sessions.size).toBe(0);
  });
});
