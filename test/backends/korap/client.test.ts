import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackendError } from '../../../src/backends/errors.ts';
import type { BackendCallInfo } from '../../../src/backends/http.ts';
import { KorapClient } from '../../../src/backends/korap/client.ts';
import { KORAP_FIXTURE } from '../../../src/backends/korap/fixtures.ts';
import { type KorapSimulator, startKorapSimulator } from '../../../src/backends/korap/simulator.ts';
import type { KorapConfig } from '../../../src/config/index.ts';
import {
  AlreadyInstalledError,
  BackendRejectedError,
  NotFoundError,
  NotPermittedError,
  ValidationError,
} from '../../../src/domain/errors.ts';
import { MemoryTaskStore } from '../../../src/tasks/store.ts';
import { TaskTracker } from '../../../src/tasks/tracker.ts';
import { waitFor } from '../../helpers/wait-for.ts';

const SUPER = KORAP_FIXTURE.superClientId;
const SUPER_SECRET = KORAP_FIXTURE.superClientSecret;
const EXPORT = '52atrL0ajex_3_5imd9Mgw'; // installed for `demo` in the fixtures
const GLEMM = 'g1eMmQrW3tH8kLpV0xYz2A';
const TREEBANK = 'JpmdMRPt7796HpMpHRGHrr'; // not permitted
const PYKORAP = 'rQ7wZ2bpnTTxB9Pq1k3VbA'; // a confidential client that is not a super client
const OTHER_SUPER = 'oThErSuPeRcLiEnT00000A';
const OTHER_SECRET = 'other-super-secret-Kq81';
const CALLER_SECRET = 'caller-wrong-secret-7Yh3Zp';

let sim: KorapSimulator;
let client: KorapClient;
let calls: BackendCallInfo[];

function connect(
  overrides: Partial<KorapConfig> = {},
  timeoutMs = 2_000,
  sleep?: (ms: number) => Promise<void>,
): KorapClient {
  return new KorapClient(
    { ...sim.config(), ...overrides },
    { timeoutMs, onCall: (info) => calls.push(info), ...(sleep && { sleep }) },
  );
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable('the call should have failed'),
    (err: unknown) => err,
  );
}

function form(index = -1): Record<string, string> {
  const req = sim.server.requests.at(index);
  return Object.fromEntries(new URLSearchParams(req?.body ?? ''));
}

/** Nothing secret in the error (message, stack, cause chain) nor in what onCall was told. */
function expectNoSecrets(err: unknown, ...secrets: string[]) {
  const seen = [inspect(err, { depth: 10 }), JSON.stringify(err), JSON.stringify(calls)].join('\n');
  for (const secret of secrets) expect(seen).not.toContain(secret);
}

beforeEach(async () => {
  calls = [];
  sim = await startKorapSimulator();
  sim.addClient({
    id: OTHER_SUPER,
    name: 'KorAP Mobile',
    type: 'CONFIDENTIAL',
    secret: OTHER_SECRET,
    super: true,
    registeredBy: 'system',
    registeredAt: '2024-01-01T00:00:00Z',
  });
  client = connect();
});

afterEach(async () => {
  await client.close();
  await sim.close();
});

describe('korap client: the wire', () => {
  it('lists plugins: form POSTs with the bearer token and the configured super client', async () => {
    const plugins = await client.listPlugins();
    expect(sim.server.requests).toHaveLength(2);
    for (const req of sim.server.requests) {
      expect(req.method).toBe('POST');
      expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(req.headers.authorization).toBe(`Bearer ${sim.config().accessToken}`);
    }
    const list = sim.server.requests.find((r) => r.path === '/api/v1.0/plugins');
    expect(Object.fromEntries(new URLSearchParams(list?.body))).toEqual({
      super_client_id: SUPER,
      super_client_secret: SUPER_SECRET,
      permitted_only: 'false',
    });
    expect(sim.server.count({ path: '/api/v1.0/plugins/installed' })).toBe(1);

    // Super clients and non-plugin clients are not plugins; sorted by name as Kustvakt does.
    expect(plugins.map((p) => p.name)).toEqual([
      'Collocation Analysis',
      'Corpus Statistics',
      'Export Plugin',
      'Glemm Query Rewriter',
      'Treebank Visualizer',
    ]);
    expect(plugins.find((p) => p.nativeId === EXPORT)).toEqual({
      backend: 'korap',
      nativeId: EXPORT,
      name: 'Export Plugin',
      description: 'Exports query matches as RTF, CSV or JSON',
      status: 'INSTALLED',
      vendorStatus: 'permitted',
    });
    expect(plugins.find((p) => p.nativeId === GLEMM)).toMatchObject({
      status: 'AVAILABLE',
      vendorStatus: 'permitted',
    });
    expect(plugins.find((p) => p.nativeId === TREEBANK)).toMatchObject({
      status: 'AVAILABLE',
      vendorStatus: 'not permitted',
    });
  });

  it('lists installations of the configured super client with the right instant', async () => {
    const installations = await client.listInstallations();
    expect(installations).toEqual([
      {
        backend: 'korap',
        nativeId: `${EXPORT}@${SUPER}`,
        pluginNativeId: EXPORT,
        superClientId: SUPER,
        status: 'INSTALLED',
        installedAt: new Date('2022-05-06T07:21:19.452Z'),
      },
    ]);
    const req = sim.server.requests[0];
    expect(req).toMatchObject({ method: 'POST', path: '/api/v1.0/plugins/installed' });
    expect(form()).toEqual({ super_client_id: SUPER, super_client_secret: SUPER_SECRET });
    expect(await client.listHosts()).toEqual([]);
  });

  it('parses installed_date in the zone the server prints', async () => {
    await sim.close();
    sim = await startKorapSimulator({ zone: 'Asia/Kolkata' });
    client = connect();
    sim.install({
      username: 'demo',
      clientId: GLEMM,
      superClientId: SUPER,
      installedAt: new Date('2023-03-26T01:30:00.000Z'),
    });
    const installations = await client.listInstallations();
    expect(installations.find((i) => i.pluginNativeId === GLEMM)?.installedAt).toEqual(
      new Date('2023-03-26T01:30:00.000Z'),
    );
  });

  it('parses the documented installed_date verbatim', async () => {
    const body = JSON.stringify([
      {
        client_id: '52atrL0ajex_3_5imd9Mgw',
        super_client_id: 'fCBbQkA2YzIxYmY1Ng==',
        name: 'Confidential plugin',
        installed_date: '2022-05-06T09:21:19.452+02:00[Europe/Berlin]',
      },
    ]);
    sim.server.inject(
      { kind: 'status', status: 200, body, contentType: 'application/json' },
      { times: 1 },
    );
    const [installation] = await client.listInstallations();
    expect(installation?.installedAt?.toISOString()).toBe('2022-05-06T07:21:19.452Z');
    expect(installation?.nativeId).toBe('52atrL0ajex_3_5imd9Mgw@fCBbQkA2YzIxYmY1Ng==');
  });

  it('installs with the configured super client: a finished task and the installation', async () => {
    const before = Date.now();
    const { started, installation } = await client.installPlugin({ clientId: GLEMM });
    expect(started.poll).toBeUndefined();
    expect(started.initial).toMatchObject({ status: 'SUCCESS', progress: 100 });
    expect(installation).toMatchObject({
      backend: 'korap',
      nativeId: `${GLEMM}@${SUPER}`,
      pluginNativeId: GLEMM,
      superClientId: SUPER,
      status: 'INSTALLED',
    });
    // The simulator prints millisecond precision, so the instant survives the Java format.
    expect(installation.installedAt!.getTime()).toBeGreaterThanOrEqual(before);
    expect(installation.installedAt!.getTime()).toBeLessThanOrEqual(Date.now());

    const req = sim.server.requests.at(-1)!;
    expect(req).toMatchObject({ method: 'POST', path: '/api/v1.0/plugins/install' });
    expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(req.headers.authorization).toBe(`Bearer ${sim.config().accessToken}`);
    expect(req.body).toBe(
      `super_client_id=${SUPER}&super_client_secret=${SUPER_SECRET}&client_id=${GLEMM}`,
    );
    expect(sim.installations({ username: 'demo' }).map((i) => i.clientId)).toContain(GLEMM);
    expect((await client.listPlugins()).find((p) => p.nativeId === GLEMM)?.status).toBe(
      'INSTALLED',
    );
  });

  it("installs in the caller's super client with the caller's secret", async () => {
    const { installation } = await client.installPlugin({
      clientId: EXPORT,
      superClientId: OTHER_SUPER,
      superClientSecret: OTHER_SECRET,
    });
    expect(installation.nativeId).toBe(`${EXPORT}@${OTHER_SUPER}`);
    expect(form()).toEqual({
      super_client_id: OTHER_SUPER,
      super_client_secret: OTHER_SECRET,
      client_id: EXPORT,
    });
    // Unique per (user, plugin, super client): the fixture install in Kalamar is still there.
    expect(sim.installations({ username: 'demo' })).toHaveLength(2);
  });

  it('never sends the configured secret along with another super client id', async () => {
    const err = await failure(
      client.installPlugin({ clientId: EXPORT, superClientId: OTHER_SUPER }),
    );
    expect(form()).toEqual({ super_client_id: OTHER_SUPER, client_id: EXPORT });
    expect(err).toBeInstanceOf(BackendRejectedError);
    expect(err).toMatchObject({ vendorCode: 'invalid_request', httpStatus: 400, backend: 'korap' });
  });

  it('uninstalls: 200 with an empty body, a finished task', async () => {
    const { started } = await client.uninstallPlugin({ clientId: EXPORT });
    expect(started).toMatchObject({ initial: { status: 'SUCCESS', progress: 100 } });
    expect(started.poll).toBeUndefined();
    expect(sim.server.requests.at(-1)).toMatchObject({
      method: 'POST',
      path: '/api/v1.0/plugins/uninstall',
    });
    expect(form()).toEqual({
      super_client_id: SUPER,
      super_client_secret: SUPER_SECRET,
      client_id: EXPORT,
    });
    expect(sim.installations({ username: 'demo' })).toEqual([]);
  });

  it('pings with one list-installed call and has no pollers', async () => {
    await client.ping();
    expect(sim.server.requests.map((r) => r.path)).toEqual(['/api/v1.0/plugins/installed']);
    expect(client.pollers()).toEqual({});
  });
});

describe('korap client: every error row of vendor-apis.md §5', () => {
  it('bad access token (2011) is BACKEND_AUTH_FAILED', async () => {
    sim.revokeToken(sim.config().accessToken);
    const err = await failure(client.listInstallations());
    expect(err).toBeInstanceOf(BackendError);
    expect(err).toMatchObject({ code: 'BACKEND_AUTH_FAILED', vendorCode: '2011', httpStatus: 401 });
    // A rejected token is not worth a retry.
    expect(sim.server.count()).toBe(1);
    expectNoSecrets(err, sim.config().accessToken);
  });

  it('expired token is BACKEND_AUTH_FAILED too', async () => {
    sim.expireToken(sim.config().accessToken);
    const err = await failure(client.ping());
    expect(err).toMatchObject({ code: 'BACKEND_AUTH_FAILED', vendorCode: '2011' });
  });

  it('missing scope (2010) is BACKEND_AUTH_FAILED', async () => {
    client = connect({ accessToken: 'reader-access-token-Zp0w7sEe' });
    expect(await client.listInstallations()).toEqual([]);
    const err = await failure(client.installPlugin({ clientId: GLEMM }));
    expect(err).toBeInstanceOf(BackendError);
    expect(err).toMatchObject({ code: 'BACKEND_AUTH_FAILED', vendorCode: '2010', httpStatus: 401 });
  });

  it('missing super client secret (invalid_request) is BackendRejectedError', async () => {
    client = connect({ superClientSecret: undefined });
    const err = await failure(client.installPlugin({ clientId: GLEMM }));
    expect(form()).toEqual({ super_client_id: SUPER, client_id: GLEMM });
    expect(err).toBeInstanceOf(BackendRejectedError);
    expect(err).toMatchObject({ vendorCode: 'invalid_request', httpStatus: 400 });
  });

  it("the caller's wrong super client secret is BackendRejectedError invalid_client, never echoed", async () => {
    const err = await failure(
      client.installPlugin({
        clientId: GLEMM,
        superClientId: SUPER,
        superClientSecret: CALLER_SECRET,
      }),
    );
    expect(form().super_client_secret).toBe(CALLER_SECRET);
    expect(err).toBeInstanceOf(BackendRejectedError);
    expect(err).toMatchObject({ vendorCode: 'invalid_client', httpStatus: 401, backend: 'korap' });
    expectNoSecrets(err, CALLER_SECRET, SUPER_SECRET, sim.config().accessToken);
  });

  it('a caller secret echoed by the vendor never reaches the error, nor does its wording', async () => {
    const body = JSON.stringify({
      error: 'invalid_client',
      error_description: `bad secret ${CALLER_SECRET}`,
    });
    sim.server.inject(
      { kind: 'status', status: 401, body, contentType: 'application/json' },
      { times: 1 },
    );
    const err = await failure(
      client.uninstallPlugin({ clientId: GLEMM, superClientSecret: CALLER_SECRET }),
    );
    expect(err).toBeInstanceOf(BackendRejectedError);
    expect(err).toMatchObject({ vendorCode: 'invalid_client', httpStatus: 401 });
    expect((err as Error).message).not.toContain('bad secret');
    expectNoSecrets(err, CALLER_SECRET);
  });

  it('our configured super client refused is BACKEND_AUTH_FAILED invalid_client', async () => {
    client = connect({ superClientSecret: 'stale-config-secret-00' });
    const err = await failure(client.listPlugins());
    expect(err).toBeInstanceOf(BackendError);
    expect(err).toMatchObject({ code: 'BACKEND_AUTH_FAILED', vendorCode: 'invalid_client' });
    expectNoSecrets(err, 'stale-config-secret-00');
  });

  it("a caller's unknown super client is BackendRejectedError, not a missing plugin", async () => {
    const err = await failure(
      client.installPlugin({
        clientId: GLEMM,
        superClientId: 'noSuchSuper',
        superClientSecret: 'x-secret-1',
      }),
    );
    expect(err).toBeInstanceOf(BackendRejectedError);
    expect(err).toMatchObject({ vendorCode: 'invalid_client', httpStatus: 401 });
  });

  it('a client that is not a super client is BackendRejectedError unauthorized_client', async () => {
    const err = await failure(
      client.installPlugin({
        clientId: GLEMM,
        superClientId: PYKORAP,
        superClientSecret: 'pykorap-demo-secret',
      }),
    );
    expect(err).toBeInstanceOf(BackendRejectedError);
    expect(err).toMatchObject({ vendorCode: 'unauthorized_client', httpStatus: 401 });
    expectNoSecrets(err, 'pykorap-demo-secret');
  });

  it('unknown client_id is NotFoundError', async () => {
    const err = await failure(client.installPlugin({ clientId: 'noSuchPlugin' }));
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err).toMatchObject({ code: 'NOT_FOUND', id: 'noSuchPlugin' });
  });

  it('missing client_id (107) is BackendRejectedError', async () => {
    const err = await failure(client.installPlugin({ clientId: '' }));
    expect(form()).toEqual({ super_client_id: SUPER, super_client_secret: SUPER_SECRET });
    expect(err).toBeInstanceOf(BackendRejectedError);
    expect(err).toMatchObject({ vendorCode: '107', httpStatus: 400 });
  });

  it('a plugin not permitted (1850) is NotPermittedError, installable once permitted', async () => {
    const err = await failure(client.installPlugin({ clientId: TREEBANK }));
    expect(err).toBeInstanceOf(NotPermittedError);
    expect(err).toMatchObject({ code: 'NOT_PERMITTED', vendorCode: '1850' });
    sim.setPermitted(TREEBANK);
    const { installation } = await client.installPlugin({ clientId: TREEBANK });
    expect(installation.pluginNativeId).toBe(TREEBANK);
  });

  it('an installed plugin (1851) is AlreadyInstalledError', async () => {
    const err = await failure(client.installPlugin({ clientId: EXPORT }));
    expect(err).toBeInstanceOf(AlreadyInstalledError);
    expect(err).toMatchObject({ code: 'ALREADY_INSTALLED', vendorCode: '1851' });
    expect(sim.installations({ username: 'demo' })).toHaveLength(1);
  });

  it('uninstalling what is not installed (114) is NotFoundError', async () => {
    const err = await failure(client.uninstallPlugin({ clientId: GLEMM }));
    expect(err).toBeInstanceOf(NotFoundError);
    expect(sim.server.requests.at(-1)?.path).toBe('/api/v1.0/plugins/uninstall');
  });

  it('any other vendor rejection keeps its code', async () => {
    const body = JSON.stringify({ errors: [[999, 'Something else', 'x']] });
    sim.server.inject(
      { kind: 'status', status: 400, body, contentType: 'application/json' },
      { times: 1 },
    );
    const err = await failure(client.installPlugin({ clientId: GLEMM }));
    expect(err).toBeInstanceOf(BackendRejectedError);
    expect(err).toMatchObject({ vendorCode: '999', httpStatus: 400 });
  });

  it('no super client anywhere: ValidationError naming superClientId, KorAP never called', async () => {
    client = connect({ superClientId: undefined, superClientSecret: undefined });
    const err = await failure(client.installPlugin({ clientId: GLEMM }));
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).fields.map((f) => f.path)).toEqual([
      ['input', 'superClientId'],
    ]);
    await expect(
      client.uninstallPlugin({ clientId: GLEMM, superClientId: '' }),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(client.listPlugins()).rejects.toMatchObject({ code: 'BACKEND_NOT_CONFIGURED' });
    expect(sim.server.count()).toBe(0);
    // A caller-supplied super client still works without configuration.
    const { installation } = await client.installPlugin({
      clientId: GLEMM,
      superClientId: OTHER_SUPER,
      superClientSecret: OTHER_SECRET,
    });
    expect(installation.superClientId).toBe(OTHER_SUPER);
  });
});

describe('korap client: faults', () => {
  it('5xx is BACKEND_UNAVAILABLE; an install is never repeated', async () => {
    sim.server.inject({ kind: 'status', status: 503 });
    const err = await failure(client.installPlugin({ clientId: GLEMM }));
    expect(err).toMatchObject({ code: 'BACKEND_UNAVAILABLE', httpStatus: 503 });
    expect(sim.server.count()).toBe(1);
    sim.server.clearFaults();
    sim.server.inject({ kind: 'status', status: 500, body: 'boom' }, { times: 1 });
    await expect(client.uninstallPlugin({ clientId: EXPORT })).rejects.toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
      httpStatus: 500,
    });
  });

  it('the list calls are reads: a 503 is retried', async () => {
    sim.server.inject({ kind: 'status', status: 503 }, { times: 1 });
    expect(await client.listInstallations()).toHaveLength(1);
    expect(sim.server.count({ path: '/api/v1.0/plugins/installed' })).toBe(2);
  });

  it('a hanging KorAP is BACKEND_TIMEOUT at the deadline: two requests, no retry, no wait', async () => {
    const waits: number[] = [];
    client = connect({}, 300, async (ms) => {
      waits.push(ms);
    });
    calls.length = 0;
    sim.server.clearLog();
    // Every request hangs: only the client's own deadline can end the read.
    sim.server.inject({ kind: 'hang' });
    const err = await failure(client.listPlugins());
    expect(err).toMatchObject({ code: 'BACKEND_TIMEOUT' });
    // The list and the installed list go out together under one deadline. Both attempts end
    // (the second may report just after the rejection): two requests, each a first attempt the
    // deadline ended, no wait asked for (a retry with a fresh deadline would show here).
    await waitFor(() => calls.length >= 2, 'both requests of the read to end');
    expect(sim.server.count()).toBe(2);
    expect(calls.map((c) => [c.attempt, c.errorCode])).toEqual([
      [1, 'BACKEND_TIMEOUT'],
      [1, 'BACKEND_TIMEOUT'],
    ]);
    expect(waits).toEqual([]);
  });

  it('a malformed body is BACKEND_BAD_RESPONSE (the install itself happened)', async () => {
    sim.server.inject({ kind: 'malformed' }, { times: 1 });
    const err = await failure(client.installPlugin({ clientId: GLEMM }));
    expect(err).toBeInstanceOf(BackendError);
    expect(err).toMatchObject({ code: 'BACKEND_BAD_RESPONSE' });
    expect(sim.installations({ username: 'demo' }).map((i) => i.clientId)).toContain(GLEMM);
  });

  it('a body of the wrong shape is BACKEND_BAD_RESPONSE', async () => {
    sim.server.inject(
      { kind: 'status', status: 200, body: '{"plugins":[]}', contentType: 'application/json' },
      { times: 1 },
    );
    await expect(client.listInstallations()).rejects.toMatchObject({
      code: 'BACKEND_BAD_RESPONSE',
    });
  });

  it('a 4xx that is not KorAP speaking is BACKEND_BAD_RESPONSE; a bare 401 is BACKEND_AUTH_FAILED', async () => {
    sim.server.inject(
      { kind: 'status', status: 404, body: '<html>Not Found</html>', contentType: 'text/html' },
      { times: 1 },
    );
    await expect(client.installPlugin({ clientId: GLEMM })).rejects.toMatchObject({
      code: 'BACKEND_BAD_RESPONSE',
      httpStatus: 404,
    });
    sim.server.inject({ kind: 'status', status: 401 }, { times: 1 });
    await expect(client.installPlugin({ clientId: GLEMM })).rejects.toMatchObject({
      code: 'BACKEND_AUTH_FAILED',
      httpStatus: 401,
    });
  });

  it('a dropped connection on install is BACKEND_UNAVAILABLE and not retried', async () => {
    sim.server.inject({ kind: 'drop' }, { times: 1 });
    await expect(client.installPlugin({ clientId: GLEMM })).rejects.toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
    });
    expect(sim.server.count()).toBe(1);
  });
});

describe('korap client: tasks', () => {
  it('an install launched through the tracker is born SUCCESS at 100 and never polled', async () => {
    const tracker = new TaskTracker({
      store: new MemoryTaskStore(60),
      pollers: client.pollers(),
      intervalMs: 10,
      graceMs: 100,
    });
    const task = await tracker.launch({
      backend: 'korap',
      operation: 'INSTALL_SUPER_CLIENT_PLUGIN',
      lockKey: `korap:plugin:${GLEMM}@${SUPER}:install`,
      target: { type: 'Plugin', id: `korap:${GLEMM}` },
      start: async () => (await client.installPlugin({ clientId: GLEMM })).started,
    });
    expect(task).toMatchObject({ status: 'SUCCESS', progress: 100, poll: undefined });
    expect(task.completedAt).toBeInstanceOf(Date);
    expect(sim.server.count()).toBe(1);
    tracker.close();
  });
});
