import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApplianceSimulator,
  startApplianceSimulator,
} from '../../src/backends/appliance/simulator.ts';
import { type HssSimulator, startHssSimulator } from '../../src/backends/hss/simulator.ts';
import { type KorapSimulator, startKorapSimulator } from '../../src/backends/korap/simulator.ts';
import { type SdmSimulator, startSdmSimulator } from '../../src/backends/sdm/simulator.ts';
import { startZstackSimulator, type ZstackSimulator } from '../../src/backends/zstack/simulator.ts';
import { type Config, loadConfig } from '../../src/config/index.ts';
import { createLogger } from '../../src/ops/logger.ts';
import { createRuntime, type Runtime } from '../../src/runtime.ts';
import { startTestIdp, TEST_AUDIENCE } from '../helpers/oidc.ts';
import { waitFor } from '../helpers/wait-for.ts';

/**
 * Issue 7, secrets: configured passwords, keys and tokens, the session ids the vendors handed
 * out, and secrets a caller supplies never appear in logs (the real pino logger with its
 * redaction, at trace level: every level) nor in any response, through successful traffic,
 * mutations, failing logins, expired sessions, refused tokens and vendor errors. The logger is
 * given no secrets to replace: what is scanned is what the code logs. Redis credentials:
 * test/redis/secrets-in-logs.test.ts; the logger's replacement: test/ops/log-secrets.test.ts.
 */

const OPERATOR = 'inbound-operator-token-7d2f9a41c0';
const VIEWER = 'inbound-viewer-token-3b8e6c5d19';
const CALLER_SECRET = 'caller-supplied-super-secret-Qz81vX';
/** Words of credential headers that are syntax, not secrets (HSS's signature header). */
const NOT_SECRET = new Set(['sdk-hmac-sha256', 'signedheaders', 'content-type']);

interface Sims {
  sdm: SdmSimulator;
  zstack: ZstackSimulator;
  hss: HssSimulator;
  appliance: ApplianceSimulator;
  korap: KorapSimulator;
}
let sims: Sims;
const logs: string[] = [];
const responses: string[] = [];
const runtimes: Runtime[] = [];
const secrets = new Set<string>();

/** The environment an operator would write for these simulators (so Config.secrets is real). */
function env(s: Sims, wrong: boolean): Record<string, string> {
  const sdm = s.sdm.config();
  const zstack = s.zstack.config();
  const hss = s.hss.config();
  const appliance = s.appliance.config();
  const korap = s.korap.config();
  if (hss.auth.mode !== 'aksk') throw new Error('expected AK/SK');
  const bad = (v: string) => (wrong ? `${v}-but-wrong-${v.length}` : v);
  return {
    PLUGIN_GRAPH_TOKENS: `${OPERATOR}=operator,${VIEWER}=viewer`,
    SDM_URL: sdm.url,
    SDM_API_VERSION: sdm.apiVersion,
    SDM_USERNAME: sdm.username,
    SDM_PASSWORD: bad(sdm.password),
    ZSTACK_URL: zstack.url,
    ZSTACK_ACCOUNT: zstack.account,
    ZSTACK_PASSWORD: bad(zstack.password),
    HSS_URL: hss.url,
    HSS_PROJECT_ID: hss.projectId,
    HSS_ACCESS_KEY: hss.auth.accessKey,
    HSS_SECRET_KEY: bad(hss.auth.secretKey),
    APPLIANCE_URL: appliance.url,
    APPLIANCE_USERNAME: appliance.username,
    APPLIANCE_PASSWORD: bad(appliance.password),
    KORAP_URL: korap.url,
    KORAP_ACCESS_TOKEN: bad(korap.accessToken),
    KORAP_SUPER_CLIENT_ID: korap.superClientId ?? '',
    KORAP_SUPER_CLIENT_SECRET: bad(korap.superClientSecret ?? ''),
  };
}

function start(wrong: boolean): Runtime {
  const config: Config = {
    ...loadConfig(env(sims, wrong)),
    dataDir: undefined, // memory: no ./data written by the suite
    backendTimeoutMs: 1_000,
    taskPollIntervalMs: 20,
    taskGraceMs: 1_000,
  };
  for (const secret of config.secrets) secrets.add(secret);
  const runtime = createRuntime(
    config,
    createLogger('trace', { write: (line: string) => void logs.push(line) }),
  );
  runtimes.push(runtime);
  return runtime;
}

async function call(
  runtime: Runtime,
  query: string,
  variables?: Record<string, unknown>,
  token: string | undefined = OPERATOR,
): Promise<{ data?: Record<string, unknown>; errors?: unknown[] }> {
  const res = await runtime.app.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  responses.push(text);
  return JSON.parse(text) as { data?: Record<string, unknown>; errors?: unknown[] };
}

const EVERYTHING = `{
  plugins(first: 100) { edges { node { id backend nativeId name status vendorStatus
    installations { edges { node { id status host { id name address } } } } } } }
  hosts(first: 100) { edges { node { id name address status } } }
  installations(first: 100) { edges { node { id status superClientId } } }
  updates { version }
  backends { backend configured reachable errorCode breaker }
  tasks(first: 50) { edges { node { id status error { code message details } } } }
}`;

const SUPER = `mutation($input: InstallSuperClientPluginInput!) {
  installSuperClientPlugin(input: $input) { __typename ... on Error { code message }
    ... on InstallSuperClientPluginPayload { task { id status } } } }`;

beforeAll(async () => {
  const [sdm, zstack, hss, appliance, korap] = await Promise.all([
    startSdmSimulator({ stepMs: 20 }),
    startZstackSimulator({ stepMs: 0, pollsPerJob: 1, password: 'zstack-Pw-5e0c1a' }),
    startHssSimulator({ stepMs: 20 }),
    startApplianceSimulator({ installMs: 100 }),
    startKorapSimulator(),
  ]);
  sims = { sdm, zstack, hss, appliance, korap };
});
afterAll(async () => {
  await Promise.all(runtimes.map((r) => r.close()));
  await Promise.all(Object.values(sims).map((s) => s.close()));
});

describe('secrets never leak', () => {
  it('through normal traffic, mutations, failing logins, expired sessions and refusals', async () => {
    const good = start(false);
    const list = await call(good, EVERYTHING);
    expect(list.errors).toBeUndefined();
    const plugins = (
      list.data as {
        plugins: { edges: { node: { id: string; backend: string; nativeId: string } }[] };
      }
    ).plugins.edges.map((e) => e.node);
    const first = (backend: string) => plugins.find((p) => p.backend === backend)!;

    // Mutations on every backend.
    await call(good, 'mutation { installUpdate(input: { version: "9.0.3.0" }) { __typename } }');
    await call(
      good,
      'mutation($id: ID!) { performPluginAction(input: { pluginId: $id, action: INSTALL }) { __typename } }',
      { id: first('SDM').id },
    );
    await call(
      good,
      'mutation($id: ID!) { deletePluginDriver(input: { pluginId: $id }) { __typename } }',
      { id: first('ZSTACK').id },
    );
    await call(
      good,
      'mutation { startPlugin(input: { pluginCode: "ndr", operateAll: true }) { __typename } }',
    );
    // KorAP with the caller's own (wrong) super-client secret, as a variable and inline.
    const korapClient = first('KORAP').nativeId;
    const superClientId = sims.korap.config().superClientId;
    await call(good, SUPER, {
      input: { clientId: korapClient, superClientId, superClientSecret: CALLER_SECRET },
    });
    await call(
      good,
      `mutation { installSuperClientPlugin(input: { clientId: "${korapClient}", superClientSecret: "${CALLER_SECRET}" }) { __typename } }`,
    );
    await call(good, SUPER, { input: { clientId: korapClient } });
    // The caller's secret in a document whose field then fails (errors are logged).
    sims.korap.server.inject({ kind: 'status', status: 503 }, { times: 3 });
    const failed = await call(
      good,
      `mutation { installSuperClientPlugin(input: { clientId: "${korapClient}", superClientSecret: "${CALLER_SECRET}" }) { __typename } }`,
    );
    expect(failed.errors?.length).toBeGreaterThan(0);
    sims.korap.server.clearFaults();
    // A viewer's mutation and unknown bearer tokens.
    await call(good, SUPER, { input: { clientId: korapClient } }, VIEWER);
    await call(good, '{ backends { backend } }', undefined, `${OPERATOR}x`);
    await call(good, '{ backends { backend } }', undefined, undefined);

    // Sessions expire: the clients log in again.
    sims.sdm.expireSessions();
    sims.zstack.expireSessions();
    sims.appliance.expireSessions();
    await call(good, EVERYTHING);
    // Vendor errors with bodies.
    sims.sdm.server.inject({ kind: 'status', status: 500, body: 'stack trace here' }, { times: 3 });
    sims.korap.server.inject({ kind: 'malformed' }, { times: 3 });
    await call(good, EVERYTHING);
    sims.sdm.server.clearFaults();
    sims.korap.server.clearFaults();

    // Failing logins everywhere: a runtime with wrong passwords, keys and tokens.
    const bad = start(true);
    const refused = await call(bad, EVERYTHING);
    expect(refused.errors?.length).toBeGreaterThan(0);
    await call(bad, 'mutation { installUpdate(input: { version: "9.0.3.0" }) { __typename } }');
    await call(bad, SUPER, { input: { clientId: korapClient } });

    // Let the trackers poll their tasks to the end (poll failures are logged too).
    await waitFor(async () => {
      const res = await call(
        good,
        '{ tasks(first: 50, status: [QUEUED, RUNNING]) { edges { node { id } } } }',
      );
      return (res.data as { tasks: { edges: unknown[] } }).tasks.edges.length === 0;
    }, 'no task left running');
    await Promise.all(runtimes.splice(0).map((r) => r.close()));

    // What to look for: every configured secret, the caller's, and every session id or
    // credential the vendors saw in a request header.
    secrets.add(CALLER_SECRET);
    expect(secrets.size).toBeGreaterThanOrEqual(14);
    for (const sim of Object.values(sims)) {
      for (const req of sim.server.requests) {
        for (const name of ['authorization', 'cookie', 'x-dr-session', 'x-auth-token']) {
          const value = req.headers[name];
          if (typeof value !== 'string') continue;
          for (const part of value.split(/[\s=;,]+/))
            if (part.length >= 12 && !NOT_SECRET.has(part.toLowerCase())) secrets.add(part);
        }
      }
    }
    expect(logs.length).toBeGreaterThan(50);
    const logText = logs.join('\n');
    const responseText = responses.join('\n');
    const leaks = [...secrets].filter((s) => logText.includes(s) || responseText.includes(s));
    expect(leaks).toEqual([]);
  });
});

describe('JWTs never leak', () => {
  it('valid, expired, role-less and forged JWTs appear in no response and no log line', async () => {
    const idp = await startTestIdp();
    try {
      const config: Config = {
        ...loadConfig({
          ...env(sims, false),
          PLUGIN_GRAPH_JWT_ISSUER: idp.issuer,
          PLUGIN_GRAPH_JWT_AUDIENCE: TEST_AUDIENCE,
        }),
        dataDir: undefined, // memory: no ./data written by the suite
        backendTimeoutMs: 1_000,
      };
      const lines: string[] = [];
      const runtime = createRuntime(
        config,
        createLogger('trace', { write: (line: string) => void lines.push(line) }),
      );
      const seen: string[] = [];
      const jwts = {
        operator: await idp.sign({ roles: ['operator'] }),
        viewer: await idp.sign({ roles: 'viewer' }),
        expired: await idp.sign({}, { expiresIn: -600 }),
        noRole: await idp.sign({ roles: ['admin'] }),
        wrongAudience: await idp.sign({}, { audience: 'elsewhere' }),
      };
      await idp.addKey('unpublished', false);
      const forged = await idp.sign({}, { kid: 'unpublished' });
      const ask = async (token: string, query: string) => {
        const res = await runtime.app.fetch('http://localhost/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query }),
        });
        const text = await res.text();
        seen.push(text, JSON.stringify([...res.headers]));
        return JSON.parse(text) as { errors?: { extensions?: { code?: string } }[] };
      };
      const install = 'mutation { installUpdate(input: { version: "9.0.3.0" }) { __typename } }';
      expect((await ask(jwts.operator, install)).errors).toBeUndefined();
      expect((await ask(jwts.viewer, install)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      for (const token of [jwts.expired, jwts.noRole, jwts.wrongAudience, forged])
        expect((await ask(token, EVERYTHING)).errors?.length).toBeGreaterThan(0);
      await runtime.close();
      expect(lines.some((line) => line.includes('JWT refused'))).toBe(true);
      const text = [...lines, ...seen].join('\n');
      // The whole token, and its signature alone (the part that proves it).
      const leaks = [...Object.values(jwts), forged]
        .flatMap((token) => [token, token.split('.')[2]!])
        .filter((part) => text.includes(part));
      expect(leaks).toEqual([]);
    } finally {
      await idp.close();
    }
  });
});

describe('forwarded KorAP tokens never leak', () => {
  it('echoed in KorAP errors or refused, the caller token is in no response and no log line', async () => {
    const forwarded = 'forwarded-korap-user-token-Lm42Hx';
    sims.korap.addUser({ username: 'erin', token: forwarded, scopes: ['all'] });
    const base = loadConfig({ ...env(sims, false), KORAP_FORWARD_USER_TOKEN: '1' });
    expect(base.backends.korap?.forwardUserToken).toBe(true);
    const lines: string[] = [];
    const runtime = createRuntime(
      {
        ...base,
        dataDir: undefined, // memory: no ./data written by the suite
        backendTimeoutMs: 1_000,
        breaker: { failureThreshold: 1_000, coolDownMs: 100 },
      },
      createLogger('trace', { write: (line: string) => void lines.push(line) }),
    );
    const seen: string[] = [];
    const ask = async (token: string, variables: Record<string, unknown>) => {
      const res = await runtime.app.fetch('http://localhost/graphql', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${OPERATOR}`,
          'x-korap-authorization': `Bearer ${token}`,
        },
        body: JSON.stringify({ query: SUPER, variables }),
      });
      const text = await res.text();
      seen.push(text);
      return text;
    };
    const list = await call(runtime, '{ plugins(backend: KORAP) { edges { node { nativeId } } } }');
    const clientId = (list.data as { plugins: { edges: { node: { nativeId: string } }[] } }).plugins
      .edges[0]!.node.nativeId;
    const echo = JSON.stringify({ errors: [[999, `refused [${forwarded}]`, forwarded]] });
    const json = (status: number, body: string) => ({
      kind: 'status' as const,
      status,
      body,
      contentType: 'application/json',
    });
    // KorAP quotes the token in a Kustvakt error, an OAuth refusal and a 500.
    sims.korap.server.inject(json(400, echo), { times: 1 });
    expect(await ask(forwarded, { input: { clientId } })).toContain('999');
    sims.korap.server.inject(
      json(401, JSON.stringify({ error: 'invalid_client', error_description: forwarded })),
      { times: 1 },
    );
    await ask(forwarded, { input: { clientId } });
    // The vendor code itself is the token: codes are passed on, so they are scrubbed too.
    sims.korap.server.inject(
      json(400, JSON.stringify({ error: forwarded, error_description: forwarded })),
      { times: 1 },
    );
    await ask(forwarded, { input: { clientId } });
    sims.korap.server.inject(json(500, echo), { times: 3 });
    await ask(forwarded, { input: { clientId } });
    sims.korap.server.clearFaults();
    // Accepted, then refused by KorAP as unknown.
    await ask(forwarded, { input: { clientId } });
    await ask(`${forwarded}-unknown`, { input: { clientId } });
    await runtime.close();
    // KorAP saw it: the header was sent.
    expect(
      sims.korap.server.requests.some((r) => r.headers.authorization === `Bearer ${forwarded}`),
    ).toBe(true);
    const text = [...lines, ...seen].join('\n');
    expect(text).not.toContain(forwarded);
  });
});

/**
 * Hardening 12.3: vendors that answer errors (4xx, 5xx, auth refusals, failed tasks) whose text
 * echoes every credential of that backend and the live session id. The caller gets our own
 * message and the vendor's code (`vendorCode`, task `error.code`); no response and no log line
 * carries a secret, a session id or the vendor's wording.
 */
describe('vendor error text is ours, scrubbed, with the vendor code kept', () => {
  /** Marks the vendor's own wording: our messages never contain it. */
  const VENDOR_SAYS = 'vendor-wording-7f3e';
  let s: Sims;
  let runtime: Runtime;
  const seen: string[] = [];

  function makeRuntime(): Runtime {
    const base = loadConfig(env(s, false));
    return createRuntime(
      {
        ...base,
        dataDir: undefined, // memory: no ./data written by the suite
        // No timeouts are tested here: a loaded machine must not turn an echo into a timeout.
        backendTimeoutMs: 5_000,
        taskPollIntervalMs: 20,
        taskGraceMs: 300,
        // Many injected 5xx in a row: the breakers must not turn them into CIRCUIT_OPEN.
        breaker: { failureThreshold: 10_000, coolDownMs: 100 },
      },
      createLogger('trace', { write: (line: string) => void seen.push(line) }),
    );
  }

  beforeAll(async () => {
    const [sdm, zstack, hss, appliance, korap] = await Promise.all([
      startSdmSimulator({ stepMs: 20 }),
      startZstackSimulator({ stepMs: 0, pollsPerJob: 1, password: 'zstack-Pw-8d1b2c' }),
      // Start/stop never settles by itself: the test decides how a host's row ends.
      startHssSimulator({ stepMs: 600_000 }),
      startApplianceSimulator({ installMs: 600_000 }),
      startKorapSimulator(),
    ]);
    s = { sdm, zstack, hss, appliance, korap };
    runtime = makeRuntime();
  });
  afterAll(async () => {
    await runtime?.close();
    await Promise.all(Object.values(s ?? {}).map((sim) => sim.close()));
  });

  async function gql(
    query: string,
    variables?: Record<string, unknown>,
    on: Runtime = runtime,
  ): Promise<{
    data?: Record<string, unknown>;
    errors?: { message: string; extensions?: Record<string, unknown> }[];
  }> {
    const res = await on.app.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR}` },
      body: JSON.stringify({ query, variables }),
    });
    const text = await res.text();
    seen.push(text);
    return JSON.parse(text);
  }

  /** A mutation's union member: BackendRejectedError with the vendor's code, our message. */
  async function rejected(field: string, input: Record<string, unknown>, vendorCode: string) {
    const inputType = `${field[0]!.toUpperCase()}${field.slice(1)}Input`;
    const res = await gql(
      `mutation($input: ${inputType}!) { result: ${field}(input: $input) {
        __typename ... on Error { code message }
        ... on BackendRejectedError { backend vendorCode } } }`,
      { input },
    );
    const result = res.data?.result as Record<string, unknown>;
    expect(result).toMatchObject({ __typename: 'BackendRejectedError', vendorCode });
    expect(result.message).not.toContain(VENDOR_SAYS);
  }

  /** A field error: the SPEC §5 code, the vendor's code in extensions, our message. */
  async function fieldError(query: string, code: string, vendorCode: string) {
    // A runtime of its own: the endpoint's first read reaches the vendor, where a runtime that
    // read it already answers from its inventory snapshot (src/inventory/).
    const fresh = makeRuntime();
    const res = await gql(query, undefined, fresh).finally(() => fresh.close());
    const error = res.errors?.find((e) => e.extensions?.code === code);
    expect(error?.extensions).toMatchObject({ code, vendorCode });
    for (const e of res.errors ?? []) expect(e.message).not.toContain(VENDOR_SAYS);
  }

  /** Launches a task with `mutation` and waits until it ends; returns its error. */
  async function failedTask(mutation: string, variables?: Record<string, unknown>) {
    const res = await gql(mutation, variables);
    const task = (Object.values(res.data ?? {})[0] as { task?: { id: string } }).task;
    expect(task?.id).toBeTruthy();
    return taskError(task!.id);
  }

  /**
   * Waits until task `id` ends ERROR; its error. A failed vendor task keeps the vendor's reason
   * (it says why), scrubbed: the caller asserts which.
   */
  async function taskError(id: string): Promise<Record<string, string | null>> {
    const error = await waitFor(async () => {
      const got = await gql(
        'query($id: ID!) { task(id: $id) { status error { code message details } } }',
        { id },
      );
      const t = got.data?.task as { status: string; error: Record<string, string | null> | null };
      return t.status === 'ERROR' ? (t.error ?? {}) : undefined;
    }, 'the task to end ERROR');
    return error;
  }

  it('for every backend, 4xx, 5xx, auth refusals and failed tasks', async () => {
    // Open every session, and learn the ids the vendors handed out.
    const warm = await gql(`{
      plugins(first: 100) { edges { node { id backend nativeId } } }
      hosts(first: 100) { edges { node { id } } }
      backends { backend reachable }
    }`);
    expect(warm.errors).toBeUndefined();
    const plugins = (
      warm.data as {
        plugins: { edges: { node: { id: string; backend: string; nativeId: string } }[] };
      }
    ).plugins.edges.map((e) => e.node);
    const first = (backend: string) => plugins.find((p) => p.backend === backend)!;
    const header = (
      sim: { server: { requests: { headers: Record<string, unknown> }[] } },
      name: string,
    ) =>
      sim.server.requests
        .map((r) => r.headers[name])
        .findLast((v) => typeof v === 'string') as string;
    const sdmSession = /JSESSIONID=([^;]+)/.exec(header(s.sdm, 'cookie'))![1]!;
    const zstackSession = header(s.zstack, 'authorization').replace(/^OAuth /, '');
    const applianceSession = header(s.appliance, 'x-dr-session');

    const sdm = s.sdm.config();
    const zstack = s.zstack.config();
    const hss = s.hss.config();
    const appliance = s.appliance.config();
    const korap = s.korap.config();
    if (hss.auth.mode !== 'aksk') throw new Error('expected AK/SK');
    const credentials = {
      sdm: [sdm.password, sdmSession],
      // ZStack sees the password's SHA-512: that digest logs in as well as the password does.
      zstack: [
        zstack.password,
        createHash('sha512').update(zstack.password).digest('hex'),
        zstackSession,
      ],
      hss: [hss.auth.accessKey, hss.auth.secretKey],
      appliance: [
        appliance.password,
        Buffer.from(`${appliance.username}:${appliance.password}`).toString('base64'),
        applianceSession,
      ],
      korap: [korap.accessToken, korap.superClientSecret ?? ''],
    };
    for (const list of Object.values(credentials)) for (const c of list) expect(c).toBeTruthy();
    const echo = (backend: keyof typeof credentials) =>
      `${VENDOR_SAYS}: refused ${credentials[backend].map((c) => `[${c}]`).join(', ')}`;
    const json = (status: number, body: unknown) => ({
      kind: 'status' as const,
      status,
      body: JSON.stringify(body),
      contentType: 'application/json',
    });

    // SDM: XML error bodies on a 400 and a 500.
    s.sdm.server.inject(
      {
        kind: 'status',
        status: 400,
        body: `<error><message>${echo('sdm')}</message></error>`,
        contentType: 'application/xml',
      },
      { times: 1, match: (r) => r.method === 'POST' && r.path.endsWith('/action') },
    );
    await rejected('performPluginAction', { pluginId: first('SDM').id, action: 'INSTALL' }, '400');
    s.sdm.server.inject(
      {
        kind: 'status',
        status: 500,
        body: `<error>${echo('sdm')}</error>`,
        contentType: 'application/xml',
      },
      { times: 3 },
    );
    await fieldError(
      '{ plugins(backend: SDM) { edges { node { id } } } }',
      'BACKEND_UNAVAILABLE',
      '500',
    );
    s.sdm.server.clearFaults();

    // ZStack: an error object on a mutation, plain text from the REST layer, a 503 and an
    // auth refusal on a read, a failed job and a job whose polls are refused until tracking is lost.
    const zstackError = (code: string) =>
      json(503, { error: { code, description: echo('zstack'), details: echo('zstack') } });
    s.zstack.server.inject(zstackError('SYS.1007'), { times: 1 });
    await rejected('refreshPluginDrivers', { name: 'a' }, 'SYS.1007');
    s.zstack.server.inject(
      { kind: 'status', status: 400, body: echo('zstack'), contentType: 'text/plain' },
      { times: 1 },
    );
    const zRes = await gql(
      `mutation($input: DeletePluginDriverInput!) { result: deletePluginDriver(input: $input) {
        __typename ... on Error { code message } } }`,
      { input: { pluginId: first('ZSTACK').id } },
    );
    expect(zRes.data?.result).toMatchObject({ __typename: 'BackendRejectedError' });
    expect((zRes.data?.result as { message?: string } | undefined)?.message).not.toContain(
      VENDOR_SAYS,
    );
    s.zstack.server.inject(zstackError('SYS.1000'), { times: 1 });
    await fieldError(
      '{ plugins(backend: ZSTACK) { edges { node { id } } } }',
      'BACKEND_UNAVAILABLE',
      'SYS.1000',
    );
    s.zstack.server.inject(zstackError('ID.1002'), { times: 1 });
    await fieldError(
      '{ plugins(backend: ZSTACK) { edges { node { id } } } }',
      'BACKEND_AUTH_FAILED',
      'ID.1002',
    );
    s.zstack.failNextJob({
      code: 'SYS.1006',
      description: echo('zstack'),
      details: echo('zstack'),
    });
    const refresh =
      'mutation { r: refreshPluginDrivers(input: { name: "b" }) { ... on RefreshPluginDriversPayload { task { id } } } }';
    expect(await failedTask(refresh)).toMatchObject({
      code: 'SYS.1006',
      message: expect.stringContaining('[redacted]'),
    });
    s.zstack.server.inject(zstackError('ID.1002'), { match: (r) => r.path.includes('/api-jobs/') });
    const lost = await failedTask(refresh.replace('"b"', '"c"'));
    expect(lost).toMatchObject({ code: 'TRACKING_LOST' });
    expect(lost.message).not.toContain(VENDOR_SAYS);
    s.zstack.server.clearFaults();

    // HSS: an HSS error body on a mutation and on a read, and a host whose start fails with a
    // status_detail that echoes the keys.
    const hssError = (status: number, code: string) =>
      json(status, { error_code: code, error_msg: echo('hss') });
    const target = s.hss.hostsFor('ndr').find((r) => r.pluginStatus === 'stopped')!;
    s.hss.server.inject(hssError(400, 'HSS.0001'), { times: 1 });
    await rejected('startPlugin', { pluginCode: 'ndr', hostIds: [target.hostId] }, 'HSS.0001');
    s.hss.server.inject(hssError(403, 'HSS.0010'), { times: 1 });
    await rejected('stopPlugin', { pluginCode: 'ndr', hostIds: [target.hostId] }, 'HSS.0010');
    s.hss.server.inject(hssError(500, 'HSS.0004'), { times: 1 });
    await fieldError(
      '{ plugins(backend: HSS) { edges { node { id } } } }',
      'BACKEND_UNAVAILABLE',
      'HSS.0004',
    );
    s.hss.server.inject(hssError(401, 'APIGW.0303'), { times: 1 });
    await fieldError(
      '{ plugins(backend: HSS) { edges { node { id } } } }',
      'BACKEND_AUTH_FAILED',
      'APIGW.0303',
    );
    const start = await gql(
      `mutation($input: StartPluginInput!) { startPlugin(input: $input) {
        ... on StartPluginPayload { task { id } } } }`,
      { input: { pluginCode: 'ndr', hostIds: [target.hostId] } },
    );
    const startTask = (start.data?.startPlugin as { task?: { id: string } } | undefined)?.task?.id;
    s.hss.setPluginStatus('ndr', target.hostId, 'start_fail', echo('hss'));
    expect(await taskError(startTask!)).toMatchObject({
      code: 'START_FAIL',
      message: expect.stringContaining('[redacted]'),
    });

    // Appliance: ResponseError bodies on 400, 403 and 500, a retrieve-updates task that fails,
    // and an install task that ends ERROR with the vendor's message and details.
    const applianceError = (status: number, code: string) =>
      json(status, { error_code: code, message: echo('appliance'), op_id: applianceSession });
    const onInstall = (r: { method: string; path: string }) =>
      r.method === 'POST' && r.path.endsWith('/actions/install');
    s.appliance.server.inject(applianceError(400, 'APPL.BAD'), { times: 1, match: onInstall });
    await rejected('installUpdate', { version: '9.0.3.0' }, 'APPL.BAD');
    s.appliance.server.inject(applianceError(403, 'APPL.DENIED'), { times: 1, match: onInstall });
    await fieldError(
      'mutation { installUpdate(input: { version: "9.0.3.0" }) { __typename } }',
      'BACKEND_AUTH_FAILED',
      'APPL.DENIED',
    );
    s.appliance.server.inject(applianceError(500, 'APPL.FAIL'), { times: 1 });
    await fieldError('{ updates { version } }', 'BACKEND_UNAVAILABLE', 'APPL.FAIL');
    s.appliance.server.inject(
      json(202, { id: 'retrieve-1', status: 'ERROR', error: { message: echo('appliance') } }),
      { times: 1 },
    );
    const updates = await gql('{ updates { version } }');
    expect(updates.errors?.[0]?.extensions?.code).toBeTruthy();
    for (const e of updates.errors ?? []) expect(e.message).not.toContain(VENDOR_SAYS);
    s.appliance.server.inject(
      json(200, {
        id: 'install-1',
        status: 'ERROR',
        error: { message: echo('appliance'), details: echo('appliance') },
      }),
      { match: (r) => r.method === 'GET' && r.path.startsWith('/tasks/') },
    );
    const install = await failedTask(
      'mutation { i: installUpdate(input: { version: "9.1.0.0" }) { ... on InstallUpdatePayload { task { id } } } }',
    );
    expect(install).toMatchObject({
      code: 'APPLIANCE_TASK_FAILED',
      message: expect.stringContaining('[redacted]'),
      details: expect.stringContaining('[redacted]'),
    });
    s.appliance.server.clearFaults();

    // KorAP: a Kustvakt error on a mutation, an OAuth refusal of our super client, a 500.
    s.korap.server.inject(json(400, { errors: [[999, echo('korap'), echo('korap')]] }), {
      times: 1,
    });
    await rejected('installSuperClientPlugin', { clientId: first('KORAP').nativeId }, '999');
    s.korap.server.inject(
      json(401, { error: 'invalid_client', error_description: echo('korap') }),
      { times: 2 },
    );
    await fieldError(
      '{ plugins(backend: KORAP) { edges { node { id } } } }',
      'BACKEND_AUTH_FAILED',
      'invalid_client',
    );
    s.korap.server.inject(json(500, { errors: [[500, echo('korap')]] }), { times: 2 });
    await fieldError(
      '{ plugins(backend: KORAP) { edges { node { id } } } }',
      'BACKEND_UNAVAILABLE',
      '500',
    );
    s.korap.server.clearFaults();

    await runtime.close();
    const text = seen.join('\n');
    const all = new Set([
      ...Object.values(credentials).flat(),
      ...loadConfig(env(s, false)).secrets,
    ]);
    const leaks = [...all].filter((secret) => text.includes(secret));
    expect(leaks).toEqual([]);
  });
});
