import { Client, fetchExchange } from '@urql/core';
import { describe, expect, it } from 'vitest';
import type { TestRuntime } from '../helpers/runtime.ts';
import { INSTALL, listening, PROGRESS, type TaskEvent } from '../subscriptions/helpers.ts';

/**
 * CSRF rules as real clients meet them (docs/security.md): GET queries and GET subscriptions need
 * no preflight header (urql's defaults, Hive Gateway's SSE transport); a mutation over GET is 405;
 * a form or text POST without a CSRF header is 403 coded CSRF_REQUIRED.
 */

const VIEWER = 'viewer-token-3b9d';
const OPERATOR = 'operator-token-71c2';
const auth = {
  mode: 'tokens' as const,
  tokens: new Map([
    [VIEWER, { role: 'viewer' as const, name: 'viewer' }],
    [OPERATOR, { role: 'operator' as const, name: 'operator' }],
  ]),
};

/** urql as an app creates it: defaults only (GET for queries, `preferGetMethod` untouched). */
function urql(url: string, headers: Record<string, string> = {}) {
  return new Client({ url, exchanges: [fetchExchange], fetchOptions: { headers } });
}

const BACKENDS = 'query Backends { backends { backend configured } }';

interface Refusal {
  errors?: { message: string; extensions?: { code?: string } }[];
}

describe('urql with its defaults', () => {
  it('auth off: a query goes as a GET and gets data', async () => {
    const { http } = await listening();
    const seen: string[] = [];
    http.server.on('request', (req) => seen.push(req.method ?? ''));
    const result = await urql(http.url).query(BACKENDS, {}).toPromise();
    expect(seen).toEqual(['GET']);
    expect(result.error).toBeUndefined();
    expect(result.data.backends).toContainEqual({ backend: 'APPLIANCE', configured: true });
  });

  it('auth on: a viewer token gets data; no token gets UNAUTHENTICATED, not a CSRF refusal', async () => {
    const { http } = await listening({ config: { auth } });
    const ok = await urql(http.url, { authorization: `Bearer ${VIEWER}` })
      .query(BACKENDS, {})
      .toPromise();
    expect(ok.error).toBeUndefined();
    expect(ok.data.backends).toContainEqual({ backend: 'APPLIANCE', configured: true });

    const anonymous = await urql(http.url).query(BACKENDS, {}).toPromise();
    expect(anonymous.data).toBeUndefined();
    expect(anonymous.error?.response?.status).toBe(401);
    expect(anonymous.error?.graphQLErrors.map((e) => e.extensions.code)).toEqual([
      'UNAUTHENTICATED',
    ]);
  });
});

describe('GET subscriptions (Hive Gateway, EventSource)', () => {
  /** Reads a GET text/event-stream response to its end: the taskProgress events in order. */
  async function followGet(url: string, id: string, headers: Record<string, string> = {}) {
    const query = new URLSearchParams({ query: PROGRESS, variables: JSON.stringify({ id }) });
    const res = await fetch(`${url}?${query}`, {
      headers: { accept: 'text/event-stream', ...headers },
    });
    const text = await res.text(); // the stream ends with the subscription
    const results = [...text.matchAll(/^event: next\ndata: (.*)$/gm)].map(
      (m) => JSON.parse(m[1] ?? '') as { data?: { taskProgress: TaskEvent } } & Refusal,
    );
    const events = results.flatMap((r) => (r.data ? [r.data.taskProgress] : []));
    return { res, results, events };
  }

  /** Starts an appliance install through the app (in process) and returns its task id. */
  async function install(t: TestRuntime, headers: Record<string, string> = {}): Promise<string> {
    const res = await t.runtime.app.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
      body: JSON.stringify({ query: INSTALL, variables: { version: '9.0.3.0' } }),
    });
    const body = (await res.json()) as { data: { installUpdate: { task: { id: string } } } };
    return body.data.installUpdate.task.id;
  }

  it('auth off: streams taskProgress to SUCCESS without a preflight header', async () => {
    const { t, http } = await listening();
    const { res, events } = await followGet(http.url, await install(t));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(events.at(-1)).toMatchObject({ status: 'SUCCESS', progress: 100 });
  });

  it('auth on: a viewer token is all it needs; no token is 401 UNAUTHENTICATED', async () => {
    const { t, http } = await listening({ config: { auth } });
    const id = await install(t, { authorization: `Bearer ${OPERATOR}` });
    const { res, events } = await followGet(http.url, id, { authorization: `Bearer ${VIEWER}` });
    expect(res.status).toBe(200);
    expect(events.at(-1)).toMatchObject({ status: 'SUCCESS', progress: 100 });

    const anonymous = await followGet(http.url, id);
    expect(anonymous.res.status).toBe(401);
    // Yoga answers in the format asked for: one SSE event carrying the error.
    expect(anonymous.results.flatMap((r) => r.errors?.map((e) => e.extensions?.code))).toEqual([
      'UNAUTHENTICATED',
    ]);
  });
});

describe('what stays refused', () => {
  it('a mutation over GET, with no CSRF header: 405, and nothing reaches the backend', async () => {
    const { t, http } = await listening();
    const query = encodeURIComponent(
      'mutation { installUpdate(input: { version: "9.0.3.0" }) { __typename } }',
    );
    const res = await fetch(`${http.url}?query=${query}`, {
      headers: { accept: 'application/graphql-response+json' },
    });
    expect(res.status).toBe(405);
    expect(t.appliance.server.count({ path: /\/actions\/install$/ })).toBe(0);
  });

  it.each([
    ['a form POST', 'application/x-www-form-urlencoded', `query=${encodeURIComponent(BACKENDS)}`],
    ['a multipart form POST', 'multipart/form-data; boundary=x', '--x--'],
    ['a text POST', 'text/plain', JSON.stringify({ query: BACKENDS })],
    ['a POST with no content type', undefined, JSON.stringify({ query: BACKENDS })],
  ])('%s without a CSRF header: 403 coded CSRF_REQUIRED', async (_, type, body) => {
    const { http } = await listening();
    const res = await fetch(http.url, {
      method: 'POST',
      // A Blob without a type sends no content-type at all, as a browser's no-cors POST can.
      body: type === undefined ? new Blob([body]) : body,
      headers: type === undefined ? {} : { 'content-type': type },
    });
    expect(res.status).toBe(403);
    const refusal = (await res.json()) as Refusal;
    expect(refusal.errors?.map((e) => e.extensions?.code)).toEqual(['CSRF_REQUIRED']);
  });

  it('a text POST with a CSRF header passes the CSRF check', async () => {
    const { http } = await listening();
    const res = await fetch(http.url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'x-graphql-yoga-csrf': '1' },
      body: JSON.stringify({ query: BACKENDS }),
    });
    expect(res.status).not.toBe(403);
  });
});
