import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient } from 'graphql-ws';
import { base64url, SignJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { JWKS_COOLDOWN_MS } from '../../src/auth/jwks-cache.ts';
import type { JwtConfig } from '../../src/config/index.ts';
import { attachWebSocket, type WebSocketTransport } from '../../src/http/websocket.ts';
import { startTestIdp, TEST_AUDIENCE, type TestIdp } from '../helpers/oidc.ts';
import { type GraphQLResponse, startTestRuntime, type TestRuntime } from '../helpers/runtime.ts';

/** Issue 16: OIDC / JWT sign-in against a local OpenID provider (real HTTP, jose-signed tokens). */

const STATIC = 'static-viewer-token-7f1c';
const INSTALL = `mutation { installUpdate(input: { version: "9.0.3.0" }) {
  __typename ... on InstallUpdatePayload { task { id } } } }`;
const QUERY = '{ backends { backend } }';

let idp: TestIdp | undefined;
let t: TestRuntime | undefined;
let server: Server | undefined;
let ws: WebSocketTransport | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await ws?.close(0);
  server?.closeAllConnections();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  await t?.close();
  await idp?.close();
  idp = t = server = ws = undefined;
});

async function start(
  settings: Partial<JwtConfig> | ((idp: TestIdp) => Partial<JwtConfig>) = {},
  perCaller = 100,
): Promise<TestIdp> {
  idp = await startTestIdp();
  const jwt = typeof settings === 'function' ? settings(idp) : settings;
  t = await startTestRuntime({
    appliance: { installMs: 60_000 },
    config: {
      auth: {
        mode: 'tokens',
        tokens: new Map([[STATIC, { role: 'viewer' as const, name: 'static' }]]),
        jwt: {
          issuer: idp.issuer,
          audience: TEST_AUDIENCE,
          rolesClaim: 'roles',
          nameClaim: 'sub',
          ...jwt,
        },
      },
      subscriptionLimits: { perCaller, total: 1_000 },
    },
  });
  return idp;
}

interface Answer extends GraphQLResponse {
  readonly status: number;
}

async function gql(token: string | undefined, query: string): Promise<Answer> {
  const res = await t!.runtime.app.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      ...(token !== undefined && { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify({ query }),
  });
  return { status: res.status, ...((await res.json()) as GraphQLResponse) };
}

const codes = (answer: GraphQLResponse) => answer.errors?.map((e) => e.extensions?.code);

function unsigned(claims: Record<string, unknown>): string {
  const part = (value: object) => base64url.encode(JSON.stringify(value));
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
}

describe('JWT sign-in over HTTP', () => {
  it("an operator's JWT may mutate; the caller is named by `sub`, via jwt, with its exp", async () => {
    const idp = await start();
    const token = await idp.sign({ roles: ['operator'] }, { subject: 'alice' });
    const done = await gql(token, INSTALL);
    expect(done.errors).toBeUndefined();
    expect(done.data?.installUpdate).toMatchObject({ __typename: 'InstallUpdatePayload' });
    const caller = await t!.runtime.authenticate(`Bearer ${token}`);
    expect(caller).toMatchObject({ role: 'operator', name: 'alice', via: 'jwt' });
    expect(caller?.expiresAt).toBeGreaterThan(Date.now());
  });

  it("a viewer's JWT may query; its mutation is FORBIDDEN and reaches no backend", async () => {
    const idp = await start();
    const token = await idp.sign({ roles: 'viewer' });
    const query = await gql(token, QUERY);
    expect(query.errors).toBeUndefined();
    expect(query.data?.backends).toHaveLength(5);
    const before = t!.appliance.server.count({ path: /\/actions\/install$/ });
    const refused = await gql(token, INSTALL);
    expect(codes(refused)).toEqual(['FORBIDDEN']);
    expect(t!.appliance.server.count({ path: /\/actions\/install$/ })).toBe(before);
  });

  it('roles as a string or an array; the highest wins; other roles are ignored', async () => {
    const idp = await start();
    const as = async (roles: unknown) =>
      (await t!.runtime.authenticate(`Bearer ${await idp.sign({ roles })}`))?.role;
    expect(await as('operator')).toBe('operator');
    expect(await as('viewer')).toBe('viewer');
    expect(await as(['viewer', 'operator'])).toBe('operator');
    expect(await as(['admin', 'viewer'])).toBe('viewer');
  });

  it('no viewer or operator in the roles claim: FORBIDDEN (403), not UNAUTHENTICATED', async () => {
    const idp = await start();
    for (const roles of [undefined, [], ['admin'], 'auditor']) {
      const refused = await gql(await idp.sign({ roles }), QUERY);
      expect(refused.status).toBe(403);
      expect(codes(refused)).toEqual(['FORBIDDEN']);
    }
  });

  it('custom roles and name claims, nested by a dotted path', async () => {
    const idp = await start({ rolesClaim: 'realm_access.roles', nameClaim: 'preferred_username' });
    const token = await idp.sign(
      { roles: undefined, realm_access: { roles: ['operator'] }, preferred_username: 'bob' },
      { subject: 'f3a9-uuid' },
    );
    expect(await t!.runtime.authenticate(`Bearer ${token}`)).toMatchObject({
      role: 'operator',
      name: 'bob',
      via: 'jwt',
    });
    // The default `roles` claim means nothing under this configuration; without the name claim
    // nobody is named: not signed in.
    const defaultRoles = await idp.sign({ roles: ['operator'], preferred_username: 'bob' });
    expect(codes(await gql(defaultRoles, QUERY))).toEqual(['FORBIDDEN']);
    const unnamed = await idp.sign({ realm_access: { roles: ['operator'] } });
    expect((await gql(unnamed, QUERY)).status).toBe(401);
  });

  it('invalid tokens are UNAUTHENTICATED (401): expired, nbf ahead, issuer, audience, alg none, HS256', async () => {
    const idp = await start();
    const now = Math.floor(Date.now() / 1000);
    const keyConfusion = await new SignJWT({ roles: ['operator'] })
      .setProtectedHeader({ alg: 'HS256', kid: 'key-1' })
      .setIssuer(idp.issuer)
      .setAudience(TEST_AUDIENCE)
      .setSubject('mallory')
      .setExpirationTime(now + 300)
      .sign(new TextEncoder().encode(await idp.publicPem('key-1')));
    const invalid = {
      // Past the 60 s leeway.
      expired: await idp.sign({}, { expiresIn: -120 }),
      notYet: await idp.sign({ nbf: now + 120 }),
      wrongIssuer: await idp.sign({}, { issuer: 'https://elsewhere.example' }),
      wrongAudience: await idp.sign({}, { audience: 'another-app' }),
      algNone: unsigned({
        iss: idp.issuer,
        aud: TEST_AUDIENCE,
        sub: 'mallory',
        roles: ['operator'],
        exp: now + 300,
      }),
      keyConfusion,
      // A token that would never end.
      noExp: await idp.sign({}, { expiresIn: null }),
    };
    for (const [what, token] of Object.entries(invalid)) {
      const refused = await gql(token, QUERY);
      expect({ what, status: refused.status, codes: codes(refused) }).toEqual({
        what,
        status: 401,
        codes: ['UNAUTHENTICATED'],
      });
    }
    // The leeway: expired 30 s ago, or valid from 30 s on, is still accepted.
    expect(codes(await gql(await idp.sign({}, { expiresIn: -30 }), QUERY))).toBeUndefined();
    expect(codes(await gql(await idp.sign({ nbf: now + 30 }), QUERY))).toBeUndefined();
  });

  it('static tokens keep working beside JWTs', async () => {
    await start();
    expect(codes(await gql(STATIC, QUERY))).toBeUndefined();
    expect(codes(await gql(STATIC, INSTALL))).toEqual(['FORBIDDEN']);
    expect((await gql('unknown-token', QUERY)).status).toBe(401);
    expect((await gql(undefined, QUERY)).status).toBe(401);
  });

  it('JWTs never appear in logs, and a refusal is logged at debug with its reason', async () => {
    const idp = await start();
    const good = await idp.sign({ roles: 'viewer' });
    const expired = await idp.sign({}, { expiresIn: -120 });
    await gql(good, QUERY);
    await gql(expired, QUERY);
    const logs = t!.logs.join('\n');
    for (const token of [good, expired]) {
      expect(logs).not.toContain(token);
      expect(logs).not.toContain(token.split('.')[2]);
    }
    expect(
      t!.logs.some((line) => /"msg":"JWT refused"/.test(line) && /"level":20/.test(line)),
    ).toBe(true);
  });
});

describe('signing keys', () => {
  it('are discovered once through the issuer, and cached', async () => {
    const idp = await start();
    for (let i = 0; i < 3; i++) expect(codes(await gql(await idp.sign(), QUERY))).toBeUndefined();
    expect(idp.requests.get('/.well-known/openid-configuration')).toBe(1);
    expect(idp.requests.get('/jwks')).toBe(1);
  });

  it('a failed discovery is tried again with a token after the pause (issue 25: not every token)', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    const idp = await start();
    idp.discoveryDown = true;
    expect((await gql(await idp.sign(), QUERY)).status).toBe(401);
    idp.discoveryDown = false;
    // Within the pause after a failed attempt: refused without asking the IdP again.
    expect((await gql(await idp.sign(), QUERY)).status).toBe(401);
    expect(idp.requests.get('/.well-known/openid-configuration')).toBe(1);
    vi.setSystemTime(Date.now() + JWKS_COOLDOWN_MS);
    expect(codes(await gql(await idp.sign(), QUERY))).toBeUndefined();
    expect(idp.requests.get('/.well-known/openid-configuration')).toBe(2);
  });

  it('PLUGIN_GRAPH_JWKS_URL skips discovery', async () => {
    const served = await start((idp) => ({ jwksUrl: idp.jwksUrl }));
    expect(codes(await gql(await served.sign(), QUERY))).toBeUndefined();
    expect(served.requests.get('/.well-known/openid-configuration')).toBeUndefined();
  });

  it('an unknown kid refetches the JWKS (rotation), at most once a minute', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    const idp = await start();
    expect(codes(await gql(await idp.sign(), QUERY))).toBeUndefined();
    expect(idp.requests.get('/jwks')).toBe(1);

    // The IdP rotates within the minute: the new kid is refused without hitting the IdP again.
    await idp.addKey('key-2', true);
    idp.retireKey('key-1');
    const rotated = await idp.sign({}, { kid: 'key-2' });
    expect((await gql(rotated, QUERY)).status).toBe(401);
    expect(idp.requests.get('/jwks')).toBe(1);

    // A minute on, the unknown kid makes one refetch, and the new key is accepted.
    vi.setSystemTime(Date.now() + 61_000);
    expect(codes(await gql(await idp.sign({}, { kid: 'key-2' }), QUERY))).toBeUndefined();
    expect(idp.requests.get('/jwks')).toBe(2);

    // Tokens naming kids nobody serves cost no further fetch within the cooldown.
    await idp.addKey('forged', false);
    for (let i = 0; i < 5; i++)
      expect((await gql(await idp.sign({}, { kid: 'forged' }), QUERY)).status).toBe(401);
    expect(idp.requests.get('/jwks')).toBe(2);
    // The retired key is gone from the refetched set.
    expect((await gql(await idp.sign({}, { kid: 'key-1' }), QUERY)).status).toBe(401);
  });
});

async function listenWebSocket(): Promise<string> {
  server = createServer(t!.runtime.app);
  ws = attachWebSocket(server, t!.runtime.app, { authenticate: t!.runtime.authenticate });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
}

/** Every result of one operation over graphql-ws, until it completes. */
function wsRun(url: string, token: string, query: string): Promise<GraphQLResponse[]> {
  const client = createClient({
    url,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    connectionParams: { authorization: `Bearer ${token}` },
  });
  const results: GraphQLResponse[] = [];
  return new Promise<GraphQLResponse[]>((resolve, reject) => {
    client.subscribe(
      { query },
      {
        next: (value) => {
          results.push(value as GraphQLResponse);
        },
        error: reject,
        complete: () => resolve(results),
      },
    );
  }).finally(() => client.dispose());
}

async function startInstall(token: string): Promise<string> {
  const started = await gql(token, INSTALL);
  const payload = started.data?.installUpdate as { task: { id: string } };
  return payload.task.id;
}

const PROGRESS = (id: string) => `subscription { taskProgress(id: "${id}") { status } }`;

/** Every `data:` event of an SSE subscription through yoga.fetch, until the stream ends. */
async function sseRun(token: string, query: string): Promise<GraphQLResponse[]> {
  const res = await t!.runtime.app.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      authorization: `Bearer ${token}`,
    },
    body: JSON.stringify({ query }),
  });
  const text = await res.text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('data:') && line.length > 6)
    .map((line) => JSON.parse(line.slice(5)) as GraphQLResponse);
}

describe('JWT on long-lived transports', () => {
  it('WebSocket: a JWT in connection_init signs in; a viewer mutation is FORBIDDEN', async () => {
    const idp = await start();
    const url = await listenWebSocket();
    const query = await wsRun(url, await idp.sign({ roles: 'viewer' }), QUERY);
    expect(query.at(-1)?.errors).toBeUndefined();
    expect(query.at(-1)?.data?.backends).toHaveLength(5);
    const refused = await wsRun(url, await idp.sign({ roles: 'viewer' }), INSTALL);
    expect(codes(refused.at(-1)!)).toEqual(['FORBIDDEN']);
    const done = await wsRun(url, await idp.sign({ roles: 'operator' }), INSTALL);
    expect(done.at(-1)?.data?.installUpdate).toMatchObject({ __typename: 'InstallUpdatePayload' });
  });

  it('WebSocket: a user without role gets FORBIDDEN; an invalid JWT is refused (4403)', async () => {
    const idp = await start();
    const url = await listenWebSocket();
    const refused = await wsRun(url, await idp.sign({ roles: ['admin'] }), QUERY);
    expect(codes(refused.at(-1)!)).toEqual(['FORBIDDEN']);
    await expect(wsRun(url, await idp.sign({}, { expiresIn: -120 }), QUERY)).rejects.toMatchObject({
      code: 4403,
    });
  });

  it('graphql-sse single connection: a JWT reserves a stream; a user without role is 403 FORBIDDEN', async () => {
    const idp = await start();
    const reserve = async (token: string) => {
      const res = await t!.runtime.app.fetch('http://localhost/graphql', {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}` },
      });
      const text = await res.text();
      return { status: res.status, text };
    };
    expect((await reserve(await idp.sign({ roles: 'viewer' }))).status).toBe(201);
    const refused = await reserve(await idp.sign({ roles: ['admin'] }));
    expect(refused.status).toBe(403);
    expect(codes(JSON.parse(refused.text) as GraphQLResponse)).toEqual(['FORBIDDEN']);
    expect((await reserve(await idp.sign({}, { expiresIn: -120 }))).status).toBe(401);
  });

  it('SSE: the subscription ends with UNAUTHENTICATED when the token expires', async () => {
    const idp = await start();
    const id = await startInstall(await idp.sign());
    // Expired 57 s ago: accepted within the 60 s leeway, which ends in about 3 s (1 s was too
    // tight on a loaded machine: the leeway ran out before the first event).
    const events = await sseRun(
      await idp.sign({ roles: 'viewer' }, { expiresIn: -57 }),
      PROGRESS(id),
    );
    // The install runs for a minute: the token, not the task, ended the stream.
    expect(events[0]?.data?.taskProgress).toMatchObject({ status: expect.any(String) });
    expect(events.filter((event) => event.errors)).toHaveLength(1);
    expect(codes(events.at(-1)!)).toEqual(['UNAUTHENTICATED']);
  });

  it('WebSocket: the subscription ends with UNAUTHENTICATED when the token expires', async () => {
    const idp = await start();
    const url = await listenWebSocket();
    const id = await startInstall(await idp.sign());
    const events = await wsRun(url, await idp.sign({}, { expiresIn: -57 }), PROGRESS(id));
    // The install runs for a minute: the token, not the task, ended the stream.
    expect(events[0]?.data?.taskProgress).toMatchObject({ status: expect.any(String) });
    expect(events.filter((event) => event.errors)).toHaveLength(1);
    expect(codes(events.at(-1)!)).toEqual(['UNAUTHENTICATED']);
  });

  it('a JWT user is one caller across token refreshes (MAX_SUBSCRIPTIONS_PER_CALLER)', async () => {
    const idp = await start({}, 1);
    const url = await listenWebSocket();
    const id = await startInstall(await idp.sign());
    const client = createClient({
      url,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: true,
      connectionParams: { authorization: `Bearer ${await idp.sign({}, { subject: 'carol' })}` },
    });
    const first = new Promise<unknown>((resolve, reject) => {
      client.subscribe(
        { query: PROGRESS(id) },
        { next: resolve, error: reject, complete: () => undefined },
      );
    });
    try {
      await first; // open and counted
      // A refreshed token of the same user: another digest, the same caller.
      const refreshed = await idp.sign({ refreshed: true }, { subject: 'carol', expiresIn: 600 });
      const second = await sseRun(refreshed, PROGRESS(id));
      expect(codes(second.at(-1)!)).toEqual(['SUBSCRIPTION_LIMIT']);
      // Another user is another caller.
      const other = await t!.runtime.app.fetch('http://localhost/graphql', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'text/event-stream',
          authorization: `Bearer ${await idp.sign({}, { subject: 'dave' })}`,
        },
        body: JSON.stringify({ query: PROGRESS(id) }),
      });
      const reader = other.body!.getReader();
      let text = '';
      while (!text.includes('"data"'))
        text += new TextDecoder().decode((await reader.read()).value);
      expect(text).toContain('taskProgress');
      expect(text).not.toContain('SUBSCRIPTION_LIMIT');
      await reader.cancel();
    } finally {
      await client.dispose();
    }
  });
});
