import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lastSession, PROMETHEUS, type Rig, rig } from './helpers.ts';

let r: Rig;

describe('zstack client: login, session and queries', () => {
  beforeEach(async () => {
    r = await rig();
  });
  afterEach(() => r.close());

  it('logs in lazily with the SHA-512 hex of the password and sends OAuth <session>', async () => {
    await r.close();
    r = await rig({ password: 'S3cret-Pa55' });
    expect(r.sim.server.requests).toHaveLength(0);
    await r.client.listPlugins();
    const [login, query] = r.sim.server.requests;
    expect(login).toMatchObject({ method: 'PUT', path: '/zstack/v1/accounts/login' });
    expect(login?.headers['content-type']).toMatch(/^application\/json/);
    const hash = createHash('sha512').update(r.sim.config().password).digest('hex');
    expect(JSON.parse(login!.body)).toEqual({
      logInByAccount: { accountName: 'admin', password: hash },
    });
    expect(login!.body).not.toContain('S3cret-Pa55');
    expect(query).toMatchObject({ method: 'GET', path: '/zstack/v1/external/plugins' });
    expect(query?.headers.authorization).toMatch(/^OAuth [0-9a-f]{32}$/);
    expect(query?.query.get('limit')).toBe('1000');
    expect(r.sim.sessions()).toBe(1);
  });

  it('maps plugin drivers to plugins, soft-deleted ones included as DELETED', async () => {
    const plugins = await r.client.listPlugins();
    expect(plugins).toHaveLength(4);
    expect(plugins.find((p) => p.nativeId === PROMETHEUS)).toEqual({
      backend: 'zstack',
      nativeId: PROMETHEUS,
      name: 'prometheus',
      description: 'Prometheus exporter: exposes host, VM and storage metrics for scraping',
      version: '4.8.0',
      vendor: 'ZStack',
      status: 'AVAILABLE',
      vendorStatus: 'active',
    });
    expect(plugins.find((p) => p.name === 'ceph-external')).toMatchObject({
      status: 'DELETED',
      vendorStatus: 'deleted',
    });
  });

  it('shares one login among concurrent callers and reuses the session', async () => {
    await Promise.all([r.client.listPlugins(), r.client.listPlugins(), r.client.ping()]);
    await r.client.listPlugins();
    expect(r.sim.server.count({ path: '/zstack/v1/accounts/login' })).toBe(1);
    const auths = new Set(r.sim.server.requests.slice(1).map((q) => q.headers.authorization));
    expect(auths.size).toBe(1);
  });

  it('has no hosts and no installations, and asks nothing for them', async () => {
    expect(await r.client.listHosts()).toEqual([]);
    expect(await r.client.listInstallations()).toEqual([]);
    expect(r.sim.server.requests).toHaveLength(0);
  });

  it('pings with one small authenticated query', async () => {
    await r.client.ping();
    const last = r.sim.server.requests.at(-1);
    expect(last).toMatchObject({ method: 'GET', path: '/zstack/v1/external/plugins' });
    expect(last?.query.get('limit')).toBe('1');
  });

  it('logs out on close with DELETE /v1/accounts/sessions/{uuid}', async () => {
    await r.client.ping();
    const session = lastSession(r.sim);
    await r.client.close();
    expect(r.sim.server.requests.at(-1)).toMatchObject({
      method: 'DELETE',
      path: `/zstack/v1/accounts/sessions/${session}`,
    });
    expect(r.sim.sessions()).toBe(0);
  });

  it('does not log out on close when it never logged in', async () => {
    await r.client.close();
    expect(r.sim.server.requests).toHaveLength(0);
  });
});

describe('zstack client: paging', () => {
  afterEach(() => r.close());

  it('pages past the vendor limit with start', async () => {
    const row = {
      uuid: '',
      name: '',
      type: 'monitor',
      vendor: 'ZStack',
      features: [],
      optionTypes: [],
      license: 'Apache-2.0',
      version: '1.0.0',
      description: 'generated',
      createDate: 'Mar 3, 2024 10:12:44 AM',
      lastOpDate: 'Mar 3, 2024 10:12:44 AM',
      deleted: false,
    };
    const drivers = Array.from({ length: 1_001 }, (_, i) => ({
      ...row,
      uuid: i.toString(16).padStart(32, '0'),
      name: `driver-${i}`,
    }));
    r = await rig({ fixtures: { drivers, directory: [] } });
    const plugins = await r.client.listPlugins();
    expect(plugins).toHaveLength(1_001);
    const queries = r.sim.server.requests.filter((q) => q.path === '/zstack/v1/external/plugins');
    expect(queries.map((q) => q.query.get('start'))).toEqual(['0', '1000']);
  });
});
