import { afterEach, describe, expect, it } from 'vitest';
import { BackendError } from '../../../src/backends/errors.ts';
import { SdmClient } from '../../../src/backends/sdm/client.ts';
import {
  SDM_CLUSTER,
  SDM_FIXTURE,
  type SdmFixturePlugin,
} from '../../../src/backends/sdm/fixtures.ts';
import { type SdmSimulator, startSdmSimulator } from '../../../src/backends/sdm/simulator.ts';
import { BackendRejectedError, NotFoundError } from '../../../src/domain/errors.ts';
import { pollOne } from '../../../src/tasks/poll-round.ts';
import type { TaskObservation } from '../../../src/tasks/types.ts';
import { waitFor } from '../../helpers/wait-for.ts';

let sim: SdmSimulator;
let client: SdmClient;

async function setup(options: Parameters<typeof startSdmSimulator>[0] = {}, timeoutMs = 2_000) {
  sim = await startSdmSimulator({ stepMs: 0, ...options });
  client = new SdmClient(sim.config(), { timeoutMs });
}

afterEach(async () => {
  await client?.close();
  await sim?.close();
});

const base = () => `/rest/${sim.apiVersion}`;
const poll = (pluginId: string, action: string): Promise<TaskObservation> =>
  pollOne(client.pollers()['sdm.pluginAction']!, { pluginId, action });

/** Awaits a thrown error (never a fixed sleep) and returns it for assertions. */
async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
}

function plugin(id: string, name: string, statuses: readonly string[]): SdmFixturePlugin {
  return {
    ...SDM_FIXTURE.plugins[0]!,
    id,
    name,
    members: statuses.map((pluginStatus, i) => ({
      ipAddress: `192.0.2.${i + 1}`,
      clusterMemberStatus: 'ACTIVE',
      pluginStatus,
      uploadedDate: '2024-01-02 03:04:05',
      lastModifiedDate: '2024-01-02 03:04:05',
    })),
  };
}

describe('sdm client: reading', () => {
  it('logs in with the XML <session> body, then sends the JSESSIONID cookie as XML client', async () => {
    await setup();
    const plugins = await client.listPlugins();
    expect(plugins.map((p) => p.nativeId)).toEqual(['ID1', 'ID3', 'ID5', 'ID7', 'ID9']);

    const [login, list] = sim.server.requests;
    expect(login).toMatchObject({ method: 'POST', path: `${base()}/admin/login` });
    expect(login?.headers['content-type']).toBe('application/xml');
    expect(login?.headers.accept).toBe('application/xml');
    expect(login?.body).toBe(
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
        '<session><userName>admin</userName><password>sdm-Demo#2024</password></session>',
    );
    const session = [...sim.sessions][0];
    expect(list).toMatchObject({ method: 'GET', path: `${base()}/admin/plugins` });
    expect(list?.headers.cookie).toBe(`JSESSIONID=${session}`);
    expect(list?.headers.accept).toBe('application/xml');
    expect(list?.query.get('limit')).toBe('500');
  });

  it('maps plug-ins, hosts and installations from ONE list call', async () => {
    await setup();
    const [plugins, hosts, installations] = await Promise.all([
      client.listPlugins(),
      client.listHosts(),
      client.listInstallations(),
    ]);
    expect(sim.server.count({ method: 'GET', path: `${base()}/admin/plugins` })).toBe(1);
    expect(sim.server.count({ path: /\/admin\/plugins\/ID/ })).toBe(0);

    expect(plugins.find((p) => p.nativeId === 'ID1')).toEqual({
      backend: 'sdm',
      nativeId: 'ID1',
      name: 'Session Element Manager',
      description: 'Configuration, fault and performance management of session border controllers',
      version: '9.0.0.2',
      vendor: 'Oracle',
      status: 'INSTALLED',
      vendorStatus: 'INSTALLED',
    });
    expect(plugins.find((p) => p.nativeId === 'ID7')).toMatchObject({
      name: 'SBC Config & Audit',
      description: 'Configuration archive, drift detection & audit trail for <SBC> devices',
      status: 'AVAILABLE',
      vendorStatus: 'UPLOADED',
    });
    expect(hosts).toEqual(
      SDM_CLUSTER.map((ip) => ({
        backend: 'sdm',
        nativeId: ip,
        name: ip,
        address: ip,
        status: 'ONLINE',
      })),
    );
    expect(installations).toHaveLength(15);
    const one = installations.find((i) => i.nativeId === 'ID3@10.5.5.37');
    expect(one).toMatchObject({
      pluginNativeId: 'ID3',
      hostNativeId: '10.5.5.37',
      status: 'INSTALLED',
      vendorStatus: 'INSTALLED',
    });
    expect(one?.updatedAt?.toISOString()).toBe('2024-03-11T09:24:19.000Z');
  });

  it('sends `&` and `<` escaped on the wire and decodes them', async () => {
    await setup();
    const detail = await client.getPlugin('ID7');
    const raw = sim.server.requests.at(-1);
    expect(raw?.path).toBe(`${base()}/admin/plugins/ID7`);
    expect(detail.plugin.name).toBe('SBC Config & Audit');
    expect(detail.members.map((m) => m.nativeId)).toEqual(SDM_CLUSTER.map((ip) => `ID7@${ip}`));
    expect(detail.hosts).toHaveLength(3);
  });

  it('reads a single plug-in with a single member like many', async () => {
    await setup({ fixtures: [plugin('ID2', 'Solo & Co', ['INSTALLED'])] });
    const [plugins, installations] = [await client.listPlugins(), await client.listInstallations()];
    expect(plugins).toMatchObject([{ nativeId: 'ID2', name: 'Solo & Co', status: 'INSTALLED' }]);
    expect(installations).toMatchObject([{ nativeId: 'ID2@192.0.2.1' }]);
    expect((await client.getPlugin('ID2')).members).toHaveLength(1);
  });

  it('reads an empty server', async () => {
    await setup({ fixtures: [] });
    expect(await client.listPlugins()).toEqual([]);
    expect(await client.listHosts()).toEqual([]);
  });

  it('accepts the v1.1 member shape (pluginClusterMembers/pluginClusterMember)', async () => {
    await setup({ apiVersion: 'v1.1', memberShape: 'v1.1' });
    expect(sim.config().apiVersion).toBe('v1.1');
    const detail = await client.getPlugin('ID5');
    expect(sim.server.requests.at(-1)?.path).toBe('/rest/v1.1/admin/plugins/ID5');
    expect(detail.plugin.status).toBe('INSTALLED');
    expect(detail.members.map((m) => m.hostNativeId)).toEqual([...SDM_CLUSTER]);
    expect(await client.listInstallations()).toHaveLength(15);
  });

  it('maps unknown pluginStatus words to UNKNOWN without failing', async () => {
    await setup();
    sim.setMemberStatus('ID1', '10.5.5.36', 'QUARANTINED');
    const detail = await client.getPlugin('ID1');
    expect(detail.members[0]).toMatchObject({ status: 'UNKNOWN', vendorStatus: 'QUARANTINED' });
    expect(detail.plugin).toMatchObject({
      status: 'PARTIAL',
      vendorStatus: 'QUARANTINED,INSTALLED',
    });
  });

  it('fetches members per plug-in only when the list lacks them', async () => {
    await setup({ listMembers: false });
    expect(await client.listInstallations()).toHaveLength(15);
    expect(sim.server.count({ method: 'GET', path: /\/admin\/plugins\/ID\d$/ })).toBe(5);
  });

  it('follows pages when a page comes back full', async () => {
    const many = Array.from({ length: 501 }, (_, i) => plugin(`ID${i + 1}`, `P${i}`, ['UPLOADED']));
    await setup({ fixtures: many });
    const plugins = await client.listPlugins();
    expect(plugins).toHaveLength(501);
    const lists = sim.server.requests.filter((r) => r.path === `${base()}/admin/plugins`);
    expect(lists.map((r) => r.query.get('offset'))).toEqual([null, '500']);
  });

  it('throws NotFoundError on 404 (which has no body)', async () => {
    await setup();
    const err = await failure(client.getPlugin('ID404'));
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err).toMatchObject({ code: 'NOT_FOUND', id: 'ID404' });
  });

  it('pings with an authenticated one-item list', async () => {
    await setup();
    await client.ping();
    expect(sim.server.requests.at(-1)?.query.get('limit')).toBe('1');
  });
});

describe('sdm client: sessions', () => {
  it('logs in again once on 401, concurrent callers sharing one login', async () => {
    await setup();
    await client.listPlugins();
    sim.expireSessions();
    await Promise.all([client.getPlugin('ID1'), client.getPlugin('ID3'), client.getPlugin('ID5')]);
    expect(sim.server.count({ method: 'POST', path: `${base()}/admin/login` })).toBe(2);
    // The 401s carried no body, as the vendor's do.
    const refused = sim.server.requests.filter((r) => r.path.endsWith('/ID1'));
    expect(refused).toHaveLength(2);
  });

  it('fails BACKEND_AUTH_FAILED on bad credentials, without the password in the message', async () => {
    sim = await startSdmSimulator({ stepMs: 0 });
    client = new SdmClient({ ...sim.config(), password: 'wrong-Secret-42' }, { timeoutMs: 2_000 });
    const err = await failure(client.listPlugins());
    expect(err).toBeInstanceOf(BackendError);
    expect(err).toMatchObject({ code: 'BACKEND_AUTH_FAILED', backend: 'sdm', vendorCode: '401' });
    expect(String((err as Error).message)).not.toContain('wrong-Secret-42');
  });

  it('logs out on close with the session cookie', async () => {
    await setup();
    await client.listPlugins();
    const session = [...sim.sessions][0];
    await client.close();
    const logout = sim.server.requests.at(-1);
    expect(logout).toMatchObject({ method: 'POST', path: `${base()}/admin/logout` });
    expect(logout?.headers.cookie).toBe(`JSESSIONID=${session}`);
    expect(sim.sessions.size).toBe(0);
  });

  it('does not log in just to log out', async () => {
    await setup();
    await client.close();
    expect(sim.server.requests).toHaveLength(0);
  });
});

describe('sdm client: plug-in actions', () => {
  it('POSTs <pluginAction> and returns the poll spec', async () => {
    await setup({ stepMs: 60_000 });
    const started = await client.startAction('ID7', 'install');
    expect(started).toEqual({
      poll: { kind: 'sdm.pluginAction', params: { pluginId: 'ID7', action: 'install' } },
      initial: { status: 'RUNNING', progress: 0 },
    });
    const post = sim.server.requests.at(-1);
    expect(post).toMatchObject({ method: 'POST', path: `${base()}/admin/plugins/ID7/action` });
    expect(post?.headers['content-type']).toBe('application/xml');
    expect(post?.headers.accept).toBe('application/xml');
    expect(post?.headers.cookie).toBe(`JSESSIONID=${[...sim.sessions][0]}`);
    expect(post?.body).toBe(
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><pluginAction><type>install</type></pluginAction>',
    );
    expect(sim.plugin('ID7')?.members.map((m) => m.pluginStatus)).toEqual([
      'INSTALLING',
      'INSTALLING',
      'INSTALLING',
    ]);
    expect(await poll('ID7', 'install')).toEqual({ status: 'RUNNING', progress: 0 });
    sim.finishActions();
    expect(await poll('ID7', 'install')).toEqual({ status: 'SUCCESS', progress: 100 });
    expect((await client.getPlugin('ID7')).plugin.status).toBe('INSTALLED');
  });

  it('moves members one by one over time', async () => {
    await setup({ stepMs: 25 });
    await client.startAction('ID1', 'uninstall');
    const seen: TaskObservation[] = [];
    await waitFor(async () => {
      const obs = await poll('ID1', 'uninstall');
      seen.push(obs);
      return obs.status !== 'RUNNING';
    }, 'the uninstall to end');
    expect(seen.at(-1)).toEqual({ status: 'SUCCESS', progress: 100 });
    expect(seen.some((o) => o.status === 'RUNNING')).toBe(true);
    expect(sim.plugin('ID1')?.members.every((m) => m.pluginStatus === 'UPLOADED')).toBe(true);
  });

  it('accepts 202 as success (older SDM)', async () => {
    await setup({ actionStatus: 202 });
    await client.startAction('ID7', 'install');
    expect(await poll('ID7', 'install')).toEqual({ status: 'SUCCESS', progress: 100 });
  });

  it('maps the 400 for a second concurrent action to BackendRejectedError', async () => {
    await setup({ stepMs: 60_000 });
    await client.startAction('ID7', 'install');
    const err = await failure(client.startAction('ID7', 'uninstall'));
    expect(err).toBeInstanceOf(BackendRejectedError);
    expect(err).toMatchObject({
      code: 'BACKEND_REJECTED',
      backend: 'sdm',
      vendorCode: '400',
      httpStatus: 400,
    });
    expect(sim.plugin('ID7')?.running).toBe('install');
  });

  it('throws NotFoundError for an unknown plug-in, and the poller ends ERROR', async () => {
    await setup();
    expect(await failure(client.startAction('ID404', 'install'))).toBeInstanceOf(NotFoundError);
    expect(await poll('ID404', 'install')).toMatchObject({
      status: 'ERROR',
      error: { code: 'NOT_FOUND' },
    });
  });

  it('ends ERROR naming the member that failed', async () => {
    await setup({ stepMs: 60_000 });
    await client.startAction('ID7', 'install');
    sim.failMember('ID7', '10.5.5.37');
    expect((await poll('ID7', 'install')).status).toBe('RUNNING');
    sim.finishActions();
    const obs = await poll('ID7', 'install');
    expect(obs).toMatchObject({
      status: 'ERROR',
      progress: 66,
      error: { code: 'PLUGIN_ACTION_FAILED' },
    });
    expect(obs.error?.message).toContain('10.5.5.37');
  });

  it('recover repairs only the first failed member', async () => {
    await setup({ stepMs: 60_000 });
    sim.failMember('ID1', '10.5.5.36');
    sim.failMember('ID1', '10.5.5.38');
    expect((await client.getPlugin('ID1')).plugin.status).toBe('FAILED');
    await client.startAction('ID1', 'recover');
    expect(sim.plugin('ID1')?.members.map((m) => m.pluginStatus)).toEqual([
      'RECOVERING',
      'INSTALLED',
      'FAILED',
    ]);
    expect((await poll('ID1', 'recover')).status).toBe('RUNNING');
    sim.finishActions();
    const obs = await poll('ID1', 'recover');
    expect(obs.status).toBe('ERROR');
    expect(obs.error?.message).toContain('10.5.5.38');
    expect(obs.error?.message).not.toContain('10.5.5.36');
  });

  it('re-sends the action after re-login when the session expired', async () => {
    await setup();
    await client.listPlugins();
    sim.expireSessions();
    await client.startAction('ID9', 'install');
    expect(sim.server.count({ method: 'POST', path: `${base()}/admin/plugins/ID9/action` })).toBe(
      2,
    );
    expect(sim.server.count({ method: 'POST', path: `${base()}/admin/login` })).toBe(2);
  });
});

describe('sdm client: faults', () => {
  it('malformed XML -> BACKEND_BAD_RESPONSE', async () => {
    await setup();
    sim.server.inject({ kind: 'malformed' }, { times: 1, match: (r) => r.method === 'GET' });
    expect(await failure(client.listPlugins())).toMatchObject({
      code: 'BACKEND_BAD_RESPONSE',
      backend: 'sdm',
    });
  });

  it('a body of the wrong shape -> BACKEND_BAD_RESPONSE', async () => {
    await setup();
    sim.server.inject(
      {
        kind: 'status',
        status: 200,
        body: '<error><id>1</id></error>',
        contentType: 'application/xml',
      },
      { times: 1, match: (r) => r.method === 'GET' },
    );
    expect(await failure(client.getPlugin('ID1'))).toMatchObject({ code: 'BACKEND_BAD_RESPONSE' });
  });

  it('a hang -> BACKEND_TIMEOUT', async () => {
    await setup({}, 300);
    sim.server.inject({ kind: 'hang' }, { match: (r) => r.method === 'GET' });
    expect(await failure(client.getPlugin('ID1'))).toMatchObject({ code: 'BACKEND_TIMEOUT' });
  });

  it('500 -> BACKEND_UNAVAILABLE with the status as vendorCode; writes are not retried', async () => {
    await setup();
    await client.listPlugins();
    sim.server.inject({ kind: 'status', status: 500 }, { times: 1 });
    expect(await failure(client.startAction('ID7', 'install'))).toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
      vendorCode: '500',
      httpStatus: 500,
    });
    expect(sim.server.count({ method: 'POST', path: /\/action$/ })).toBe(1);
  });

  it('a passing 503 on a read is retried', async () => {
    await setup();
    sim.server.inject(
      { kind: 'status', status: 503 },
      { times: 1, match: (r) => r.method === 'GET' },
    );
    expect(await client.listPlugins()).toHaveLength(5);
  });

  it('latency within the deadline is fine', async () => {
    await setup({}, 1_000);
    sim.server.inject({ kind: 'latency', ms: 50 }, { times: 2 });
    expect(await client.listPlugins()).toHaveLength(5);
  });
});
