import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticate } from '../../src/auth/auth.ts';
import { ConfigError, loadConfig } from '../../src/config/index.ts';
import { startTestRuntime, type TestRuntime } from '../helpers/runtime.ts';

const OPERATOR = 'op-token-5f1d3c';
const VIEWER = 'view-token-9a7e21';
const tokens = new Map([
  [OPERATOR, { role: 'operator' as const, name: 'operator' }],
  [VIEWER, { role: 'viewer' as const, name: 'viewer' }],
]);

const INSTALL = `mutation { installUpdate(input: { version: "9.0.3.0" }) {
  __typename ... on InstallUpdatePayload { task { id status } } } }`;

interface Body {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

let t: TestRuntime;
beforeAll(async () => {
  t = await startTestRuntime({
    appliance: { installMs: 60_000 },
    config: { auth: { mode: 'tokens', tokens } },
  });
});
afterAll(() => t.close());

function post(query: string, token?: string, extra: Record<string, string> = {}) {
  return t.runtime.app.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...extra,
    },
    body: JSON.stringify({ query }),
  });
}

const installs = () => t.appliance.server.count({ method: 'POST', path: /\/actions\/install$/ });

describe('authenticate()', () => {
  const authenticate = createAuthenticate({ mode: 'tokens', tokens });
  it('maps each token to its caller (role and name), and anything else to undefined', async () => {
    expect(await authenticate(`Bearer ${OPERATOR}`)).toEqual({
      role: 'operator',
      name: 'operator',
      via: 'token',
    });
    expect((await authenticate(`bearer ${VIEWER}`))?.role).toBe('viewer');
    for (const refused of [
      undefined,
      '',
      OPERATOR, // no scheme
      `Basic ${OPERATOR}`,
      `Bearer ${OPERATOR}x`,
      `Bearer ${OPERATOR.slice(0, -1)}`,
      'Bearer ',
    ])
      expect(await authenticate(refused)).toBeUndefined();
  });
  it('with auth none everyone is an anonymous operator', async () => {
    expect(await createAuthenticate({ mode: 'none' })(undefined)).toEqual({
      role: 'operator',
      name: 'anonymous',
      via: 'demo',
    });
  });
});

describe('configuration', () => {
  it('outside demo mode, refuses to start without tokens unless PLUGIN_GRAPH_AUTH=none', () => {
    const env = {
      APPLIANCE_URL: 'http://127.0.0.1:1',
      APPLIANCE_USERNAME: 'u',
      APPLIANCE_PASSWORD: 'p',
    };
    expect(() => loadConfig(env)).toThrow(ConfigError);
    try {
      loadConfig(env);
    } catch (err) {
      expect((err as ConfigError).problems.join('\n')).toContain('PLUGIN_GRAPH_TOKENS');
    }
    expect(loadConfig({ ...env, PLUGIN_GRAPH_AUTH: 'none' }).auth.mode).toBe('none');
    const withTokens = loadConfig({ ...env, PLUGIN_GRAPH_TOKENS: 'abc=operator,def=viewer' });
    expect(withTokens.auth.mode).toBe('tokens');
  });
  it('demo mode is open', () => {
    expect(loadConfig({}).auth.mode).toBe('none');
  });
});

describe('HTTP', () => {
  it('no token: 401 UNAUTHENTICATED with a Bearer challenge, nothing executed', async () => {
    const res = await post('{ backends { backend } }');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const body = (await res.json()) as Body;
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(body.data ?? null).toBeNull();
  });

  it('a wrong token: 401 UNAUTHENTICATED, and validation does not run for it', async () => {
    const res = await post('{ noSuchField }', 'guess');
    expect(res.status).toBe(401);
    const body = (await res.json()) as Body;
    expect(body.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
  });

  it('a viewer may query', async () => {
    const res = await post('{ backends { backend configured } }', VIEWER);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Body;
    expect(body.errors).toBeUndefined();
    expect(body.data?.backends).toHaveLength(5);
  });

  it("a viewer's mutation: FORBIDDEN and nothing reaches the backend", async () => {
    const before = installs();
    const logins = t.appliance.server.count({ method: 'POST', path: '/session' });
    const body = (await (await post(INSTALL, VIEWER)).json()) as Body;
    expect(body.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(body.data ?? null).toBeNull();
    expect(installs()).toBe(before);
    expect(t.appliance.server.count({ method: 'POST', path: '/session' })).toBe(logins);
  });

  it('a viewer cannot slip a mutation in by operation name', async () => {
    const doc = `query Q { backends { backend } } ${INSTALL.replace('mutation', 'mutation M')}`;
    const res = await t.runtime.app.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${VIEWER}` },
      body: JSON.stringify({ query: doc, operationName: 'M' }),
    });
    const body = (await res.json()) as Body;
    expect(body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('an operator may mutate', async () => {
    const before = installs();
    const body = (await (await post(INSTALL, OPERATOR)).json()) as Body;
    expect(body.errors).toBeUndefined();
    expect(body.data?.installUpdate).toMatchObject({ __typename: 'InstallUpdatePayload' });
    expect(installs()).toBe(before + 1);
  });

  it('who started a task is for operators: a viewer reads startedBy as null (issue 25.8)', async () => {
    // The operator's install above is a task with its actor on it.
    const q = '{ tasks(first: 5) { edges { node { id startedBy { name role } } } } }';
    const startedBy = async (token: string) => {
      const body = (await (await post(q, token)).json()) as Body;
      expect(body.errors).toBeUndefined();
      const tasks = body.data?.tasks as { edges: { node: { startedBy: unknown } }[] } | undefined;
      const edges = tasks?.edges ?? [];
      expect(edges.length).toBeGreaterThan(0);
      return edges.map((e) => e.node.startedBy);
    };
    expect(await startedBy(OPERATOR)).toContainEqual({ name: 'operator', role: 'OPERATOR' });
    expect(new Set(await startedBy(VIEWER))).toEqual(new Set([null]));
  });

  it('a viewer may subscribe (SSE)', async () => {
    // The operator's install above still runs (60 s): this answers ConflictError with its task.
    const q = `mutation { installUpdate(input: { version: "9.0.3.0" }) {
      ... on InstallUpdatePayload { task { id } } ... on ConflictError { task { id } } } }`;
    const install = (await (await post(q, OPERATOR)).json()) as {
      data: { installUpdate: { task: { id: string } } };
    };
    const id = install.data.installUpdate.task.id;
    const controller = new AbortController();
    const res = await t.runtime.app.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        authorization: `Bearer ${VIEWER}`,
      },
      body: JSON.stringify({
        query: `subscription($id: ID!) { taskProgress(id: $id) { id status } }`,
        variables: { id },
      }),
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('event: next')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    expect(text).toContain('"taskProgress"');
    controller.abort();
    await reader.cancel().catch(() => undefined);
  });

  it('an unauthenticated subscription is refused with 401', async () => {
    const res = await t.runtime.app.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: 'subscription { taskProgress(id: "x") { id } }' }),
    });
    expect(res.status).toBe(401);
  });

  it('/healthz, /readyz and the GraphiQL page need no token', async () => {
    expect((await t.runtime.app.fetch('http://localhost/healthz')).status).toBe(200);
    expect([200, 503]).toContain((await t.runtime.app.fetch('http://localhost/readyz')).status);
    const page = await t.runtime.app.fetch('http://localhost/graphql', {
      headers: { accept: 'text/html' },
    });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
  });
});

describe('auth none (demo mode, PLUGIN_GRAPH_AUTH=none)', () => {
  it('stays open: queries and mutations without a token', async () => {
    const open = await startTestRuntime();
    try {
      const body = await open.gql<{ installUpdate: { __typename: string } }>(INSTALL);
      expect(body.errors).toBeUndefined();
      expect(body.data?.installUpdate.__typename).toBe('InstallUpdatePayload');
    } finally {
      await open.close();
    }
  });
});
