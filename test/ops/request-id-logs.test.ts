import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startApplianceSimulator } from '../../src/backends/appliance/simulator.ts';
import { loadConfig } from '../../src/config/index.ts';
import { createLogger } from '../../src/ops/logger.ts';
import { createRuntime, type Runtime } from '../../src/runtime.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { type Listening, listen } from '../subscriptions/helpers.ts';

/**
 * Issue 26.6: every line a request causes (vendor calls, task launch, audit) carries its
 * `x-request-id`, and the request line names the caller, over real HTTP with the production
 * logger.
 */

const OPERATOR = 'reqid-operator-token-77c1';
const INSTALL = `mutation { installUpdate(input: { version: "9.0.3.0" }) {
  __typename ... on InstallUpdatePayload { task { id } } } }`;

interface Line {
  msg: string;
  reqId?: string;
  caller?: { name: string; role: string; via: string };
  [field: string]: unknown;
}

let appliance: Awaited<ReturnType<typeof startApplianceSimulator>>;
let runtime: Runtime;
let server: Listening;
const lines: Line[] = [];

beforeAll(async () => {
  appliance = await startApplianceSimulator({ installMs: 600_000 });
  const config = {
    ...loadConfig({
      PLUGIN_GRAPH_TOKENS: `${OPERATOR}=operator:alice`,
      APPLIANCE_URL: appliance.url,
      APPLIANCE_USERNAME: 'x',
      APPLIANCE_PASSWORD: 'x',
    }),
    backends: { appliance: appliance.config() },
    dataDir: undefined,
    taskPollIntervalMs: 20,
  };
  const logger = createLogger('debug', {
    write: (line: string) => {
      lines.push(JSON.parse(line) as Line);
    },
  });
  runtime = createRuntime(config, logger);
  server = await listen(runtime.app, { authenticate: runtime.authenticate });
});
afterAll(async () => {
  await server.close();
  await runtime.close();
  await appliance.close();
});

function post(query: string, reqId: string) {
  return fetch(server.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${OPERATOR}`,
      'x-request-id': reqId,
    },
    body: JSON.stringify({ query }),
  });
}

describe('log lines carry the request id', () => {
  it("a mutation's vendor calls, task launch and audit line carry its x-request-id", async () => {
    // A read running at the same time, with an id of its own: lines must not cross.
    const [mutation, read] = await Promise.all([
      post(INSTALL, 'mutation-req-1'),
      // A read that calls no vendor (a backends read probes the appliance with getTask too).
      post('{ __typename }', 'read-req-2'),
    ]);
    expect(mutation.headers.get('x-request-id')).toBe('mutation-req-1');
    expect(read.headers.get('x-request-id')).toBe('read-req-2');
    const body = (await mutation.json()) as { data?: { installUpdate: { __typename: string } } };
    expect(body.data?.installUpdate.__typename).toBe('InstallUpdatePayload');

    const of = (msg: string) => lines.filter((l) => l.msg === msg);
    const install = of('backend call').filter((l) => l.method === 'POST');
    expect(install.length).toBeGreaterThan(0);
    for (const line of install) expect(line.reqId).toBe('mutation-req-1');
    expect(of('task launched').map((l) => l.reqId)).toEqual(['mutation-req-1']);
    expect(of('audit').map((l) => l.reqId)).toEqual(['mutation-req-1']);

    const requests = of('graphql request');
    expect(requests.map((l) => [l.reqId, l.caller])).toEqual(
      expect.arrayContaining([
        ['mutation-req-1', { name: 'alice', role: 'operator', via: 'token' }],
        ['read-req-2', { name: 'alice', role: 'operator', via: 'token' }],
      ]),
    );
  });

  it("the task's polls, armed by the mutation, run outside its request: no request id", async () => {
    // The install above is running (600 s): its poller reads the appliance's task.
    const polls = () => lines.filter((l) => l.msg === 'backend call' && l.operation === 'getTask');
    await waitFor(async () => polls().length >= 2, 'two task polls logged');
    for (const line of polls()) expect(line.reqId).toBeUndefined();
  });

  it('over WebSocket each operation gets an id of its own, on every line it causes', async () => {
    const client = createClient({
      url: server.wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${OPERATOR}` },
    });
    const run = (query: string) =>
      new Promise<void>((resolve, reject) =>
        client.subscribe({ query }, { next: () => {}, error: reject, complete: resolve }),
      );
    const before = lines.length;
    try {
      // The install above still runs: a second one is a ConflictError, audited.
      await run(INSTALL);
      await run('{ backends { backend } }');
    } finally {
      await client.dispose();
    }
    const added = lines
      .slice(before)
      .filter(
        (l) =>
          l.msg === 'audit' ||
          (l.msg === 'backend call' && l.operation === 'getTask' && l.reqId !== undefined),
      );
    const audit = added.find((l) => l.msg === 'audit');
    const probe = added.find((l) => l.msg === 'backend call');
    expect(audit?.reqId).toMatch(/^[0-9a-f-]{36}$/);
    expect(probe?.reqId).toMatch(/^[0-9a-f-]{36}$/);
    expect(probe?.reqId).not.toBe(audit?.reqId);
  });
});
