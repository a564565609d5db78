import { afterEach, describe, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime } from '../helpers/runtime.ts';
import { waitFor } from '../helpers/wait-for.ts';

let t: TestRuntime | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const INSTALL = `mutation Install {
  installUpdate(input: { version: "9.0.3.0" }) {
    __typename
    ... on InstallUpdatePayload { task { id status } }
  }
}`;
const PROGRESS = `subscription Progress($id: ID!) { taskProgress(id: $id) { id status } }`;

async function scrape(rt: TestRuntime): Promise<{ status: number; type: string; text: string }> {
  const res = await rt.runtime.app.fetch('http://localhost/metrics');
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    text: await res.text(),
  };
}

/** The value of one series, labels given in the order prom-client prints them. */
function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

function logLines(rt: TestRuntime): Record<string, unknown>[] {
  return rt.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('/metrics', () => {
  it('serves Prometheus text without auth: requests, errors by code, backend calls, breakers, tasks', async () => {
    t = await startTestRuntime({ config: { auth: { mode: 'tokens', tokens: new Map() } } });
    // Unauthenticated: the GraphQL request is refused, /metrics still answers.
    const refused = await t.gql('query Updates { updates { version } }');
    expect(refused.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const { status, type, text } = await scrape(t);
    expect(status).toBe(200);
    expect(type).toContain('text/plain');
    // Refused before authentication: counted under a fixed name, never one the caller chose
    // (issue 25).
    expect(
      value(
        text,
        'plugin_graph_graphql_errors_total{operation="unauthenticated",code="UNAUTHENTICATED"}',
      ),
    ).toBe(1);
    expect(text).toContain('process_resident_memory_bytes');
  });

  it('counts operations, error codes, backend calls by outcome, breaker state and tasks by status', async () => {
    t = await startTestRuntime();
    const rt = t;
    // A 500 first (failures are not cached), then the same read succeeds.
    rt.appliance.server.inject(
      { kind: 'status', status: 500 },
      { times: 1, match: (r) => r.path.endsWith('/retrieve-updates') },
    );
    const failed = await rt.gql('{ updates { version } }');
    expect(failed.errors?.[0]?.extensions?.code).toBe('BACKEND_UNAVAILABLE');
    expect((await rt.gql('query Updates { updates { version } }')).data).toBeTruthy();
    const notConfigured = await rt.gql(
      'query Hss { plugins(backend: HSS) { edges { node { id } } } }',
    );
    expect(notConfigured.errors?.[0]?.extensions?.code).toBe('BACKEND_NOT_CONFIGURED');
    const installed = await rt.gql<{ installUpdate: { task: { id: string } } }>(INSTALL);
    const taskId = installed.data?.installUpdate.task.id;
    expect(taskId).toBeTruthy();
    await waitFor(async () => {
      const tasks = await rt.runtime.tracker.list();
      return tasks.every((task) => task.status === 'SUCCESS');
    }, 'every task to end SUCCESS');

    const { text } = await scrape(rt);
    expect(
      value(text, 'plugin_graph_graphql_requests_total{operation="Updates",type="query"}'),
    ).toBe(1);
    expect(
      value(text, 'plugin_graph_graphql_requests_total{operation="anonymous",type="query"}'),
    ).toBe(1);
    expect(
      value(text, 'plugin_graph_graphql_requests_total{operation="Install",type="mutation"}'),
    ).toBe(1);
    expect(
      value(
        text,
        'plugin_graph_graphql_errors_total{operation="Hss",code="BACKEND_NOT_CONFIGURED"}',
      ),
    ).toBe(1);
    expect(
      value(
        text,
        'plugin_graph_graphql_errors_total{operation="anonymous",code="BACKEND_UNAVAILABLE"}',
      ),
    ).toBe(1);
    expect(text).toMatch(
      /plugin_graph_graphql_request_duration_seconds_count\{operation="Updates",type="query"\} 1/,
    );
    expect(
      value(
        text,
        'plugin_graph_backend_calls_total{backend="appliance",operation="retrieveUpdates",outcome="server_error"}',
      ) ?? 0,
    ).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(
      /plugin_graph_backend_calls_total\{backend="appliance",operation="[^"]+",outcome="ok"\} [1-9]/,
    );
    expect(text).toMatch(
      /plugin_graph_backend_call_duration_seconds_bucket\{le="[^"]+",backend="appliance",operation="[^"]+",outcome="ok"\} [1-9]/,
    );
    expect(
      value(text, 'plugin_graph_backend_breaker_state{backend="appliance",state="CLOSED"}'),
    ).toBe(1);
    expect(
      value(text, 'plugin_graph_backend_breaker_state{backend="appliance",state="OPEN"}'),
    ).toBe(0);
    expect(value(text, 'plugin_graph_tasks{backend="appliance",status="SUCCESS"}')).toBe(1);
    expect(value(text, 'plugin_graph_tasks{backend="appliance",status="RUNNING"}')).toBe(0);
    expect(value(text, 'plugin_graph_subscriptions_open')).toBe(0);
  });

  it('open subscriptions go up while a client follows a task and back down when it leaves', async () => {
    t = await startTestRuntime({ appliance: { installMs: 5_000 } });
    const rt = t;
    const installed = await rt.gql<{ installUpdate: { task: { id: string } } }>(INSTALL);
    const id = installed.data?.installUpdate.task.id;
    const controller = new AbortController();
    const res = await rt.runtime.app.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: PROGRESS, variables: { id } }),
      signal: controller.signal,
    });
    const reader = res.body!.getReader();
    let seen = '';
    while (!seen.includes('event: next')) {
      const { value: chunk } = await reader.read();
      seen += new TextDecoder().decode(chunk);
    }
    expect(value((await scrape(rt)).text, 'plugin_graph_subscriptions_open')).toBe(1);
    controller.abort();
    await reader.cancel().catch(() => undefined);
    await waitFor(
      async () => value((await scrape(rt)).text, 'plugin_graph_subscriptions_open') === 0,
      'no subscription open',
    );
    expect(
      value(
        (await scrape(rt)).text,
        'plugin_graph_graphql_requests_total{operation="Progress",type="subscription"}',
      ),
    ).toBe(1);
  });
});

describe('logs', () => {
  it('one line per GraphQL request with request id, operation, duration and error codes; one per backend call', async () => {
    t = await startTestRuntime();
    const res = await t.runtime.app.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'req-42' },
      body: JSON.stringify({ query: 'query Updates { updates { version } }' }),
    });
    expect(res.headers.get('x-request-id')).toBe('req-42');
    await res.text();
    await t.gql('query Hss { plugins(backend: HSS) { edges { node { id } } } }');

    const lines = logLines(t);
    const requests = lines.filter((l) => l.msg === 'graphql request');
    expect(requests).toHaveLength(2);
    expect(requests[0]).toMatchObject({
      level: 30,
      reqId: 'req-42',
      operationName: 'Updates',
      operationType: 'query',
      status: 200,
    });
    expect(typeof requests[0]?.durationMs).toBe('number');
    expect(requests[0]?.errorCodes).toBeUndefined();
    expect(requests[1]).toMatchObject({
      operationName: 'Hss',
      errorCodes: ['BACKEND_NOT_CONFIGURED'],
    });
    expect(String(requests[1]?.reqId)).toMatch(/^[0-9a-f-]{36}$/);

    const calls = lines.filter((l) => l.msg === 'backend call');
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) {
      expect(call).toMatchObject({ backend: 'appliance', method: expect.any(String) });
      expect(typeof call.operation).toBe('string');
      expect(typeof call.durationMs).toBe('number');
    }
    expect(calls.some((c) => c.status === 200)).toBe(true);
    // Never a credential, session id or URL in these lines.
    const text = t.logs.join('\n');
    expect(text).not.toContain(t.appliance.config().password);
    for (const r of t.appliance.server.requests) {
      const session = r.headers['x-dr-session'];
      if (typeof session === 'string') expect(text).not.toContain(session);
    }
    expect(text).not.toContain(t.appliance.url);
  });

  it('an unsafe x-request-id is replaced, not logged', async () => {
    t = await startTestRuntime();
    const res = await t.runtime.app.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'a b<script>' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
