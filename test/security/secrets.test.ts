import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApplianceSimulator,
  startApplianceSimulator,
} from '../../src/backends/appliance/simulator.ts';
import { type HssSimulator, startHssSimulator } from '../../src/backends/hss/simulator.ts';
import { type KorapSimulator, startKorapSimulator } from '../../src/backends/korap/simulator.ts';
import { type SdmSimulator, startSdmSimulator } from '../../src/backends/sdm/simulator.ts';
import { startZstackSimulator, type ZstackSimulator } from '../../src/backends/zstack/simulator.ts';
import { type Config, loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { createRuntime, type Runtime } from '../../src/runtime.ts';
import { eventually } from '../helpers/runtime.ts';

/**
 * Issue 7, secrets: configured passwords, keys and tokens, the session ids the vendors handed
 * out, and secrets a caller supplies never appear in logs (the real pino logger with its
 * redaction, at debug level) nor in any response, through successful traffic, mutations,
 * failing logins, expired sessions, refused tokens and vendor errors.
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
    backendTimeoutMs: 1_000,
    taskPollIntervalMs: 20,
    taskGraceMs: 1_000,
  };
  for (const secret of config.secrets) secrets.add(secret);
  const runtime = createRuntime(
    config,
    createLogger('debug', { write: (line: string) => void logs.push(line) }),
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
    installations { id status host { id name address } } } } }
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
    await eventually(async () => {
      const res = await call(
        good,
        '{ tasks(first: 50, status: [QUEUED, RUNNING]) { edges { node { id } } } }',
      );
      return (res.data as { tasks: { edges: unknown[] } }).tasks.edges.length === 0
        ? true
        : undefined;
    }, 10_000);
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
