import { afterEach, describe, expect, it } from 'vitest';
import { BackendError } from '../../../src/backends/errors.ts';
import { HSS_FIXTURES, type HssFixtures } from '../../../src/backends/hss/fixtures.ts';
import {
  canonicalRequest,
  queryFromSearchParams,
  signature,
  stringToSign,
} from '../../../src/backends/hss/signing.ts';
import { PLUGIN_STATUSES } from '../../../src/backends/hss/wire.ts';
import type { SimRequest } from '../../../src/backends/simulator/server.ts';
import { type Rig, rig } from './helpers.ts';

let r: Rig | undefined;
afterEach(async () => {
  await r?.close();
  r = undefined;
});

const OFFLINE_HOST = '9f1d3b7c-2e4a-4d6b-b8c0-6a5e4f3d2c1b';
const WEB1 = '71a15ecc-049f-4cca-bd28-5e90aca1817f';

function flat(req: SimRequest): Record<string, string> {
  return Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
}

describe('hss reads (AK/SK)', () => {
  it('lists plugins with a signed GET under /v5/{project_id}', async () => {
    r = await rig();
    const plugins = await r.client.listPlugins();
    expect(plugins.map((p) => p.nativeId)).toEqual(['ndr', 'edr', 'antivirus']);
    expect(plugins[0]).toEqual({
      backend: 'hss',
      nativeId: 'ndr',
      name: 'Network Detection and Response',
      description: expect.any(String),
      vendor: 'Huawei Cloud',
      status: 'INSTALLED',
    });
    expect(plugins[2]?.status).toBe('PARTIAL');
    const [req] = r.sim.server.requests;
    expect(req?.method).toBe('GET');
    expect(req?.path).toBe(`/v5/${r.sim.projectId}/plugins`);
    expect(Object.fromEntries(req?.query ?? [])).toEqual({ offset: '0', limit: '200' });
    expect(req?.headers['x-sdk-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(req?.headers['x-auth-token']).toBeUndefined();
    const cfg = r.sim.config();
    if (cfg.auth.mode !== 'aksk') throw new Error('aksk expected');
    const authorization = String(req?.headers.authorization);
    expect(authorization).toMatch(
      new RegExp(
        `^SDK-HMAC-SHA256 Access=${cfg.auth.accessKey}, SignedHeaders=host;x-sdk-date, Signature=[0-9a-f]{64}$`,
      ),
    );
    // Recompute the signature from what the server received: canonical URI ends in '/'.
    const canonical = canonicalRequest(
      {
        method: 'GET',
        path: req?.path ?? '',
        query: queryFromSearchParams(req?.query ?? new URLSearchParams()),
        headers: flat(req!),
        body: '',
      },
      ['host', 'x-sdk-date'],
    );
    expect(canonical.split('\n')[1]).toBe(`/v5/${r.sim.projectId}/plugins/`);
    expect(
      authorization.endsWith(
        signature(cfg.auth.secretKey, stringToSign(canonical, String(req?.headers['x-sdk-date']))),
      ),
    ).toBe(true);
  });

  it('lists hosts: distinct servers of every plugin, agent status mapped', async () => {
    r = await rig();
    const hosts = await r.client.listHosts();
    expect(hosts).toHaveLength(6);
    expect(hosts.find((h) => h.nativeId === WEB1)).toEqual({
      backend: 'hss',
      nativeId: WEB1,
      name: 'ecs-web-prod-01',
      address: '192.168.0.12',
      status: 'ONLINE',
    });
    expect(hosts.find((h) => h.nativeId === OFFLINE_HOST)?.status).toBe('OFFLINE');
    // One ListPlugins, then one ListPluginStatus per plugin code.
    expect(r.sim.server.count({ path: /\/plugins$/ })).toBe(1);
    const codes = r.sim.server.requests
      .filter((q) => q.path.endsWith('/attachments'))
      .map((q) => q.query.get('plugin_code'));
    expect(codes.sort()).toEqual(['antivirus', 'edr', 'ndr']);
  });

  it('lists installations: one per (plugin, host) row with status, vendorStatus and progress', async () => {
    r = await rig();
    const installations = await r.client.listInstallations();
    expect(installations).toHaveLength(4 + 6 + 6);
    expect(installations.find((i) => i.nativeId === `ndr@${WEB1}`)).toEqual({
      backend: 'hss',
      nativeId: `ndr@${WEB1}`,
      pluginNativeId: 'ndr',
      hostNativeId: WEB1,
      status: 'RUNNING',
      vendorStatus: 'running',
      progress: 100,
    });
    expect(installations.find((i) => i.nativeId === `ndr@${OFFLINE_HOST}`)?.status).toBe('OFFLINE');
    const installing = installations.find((i) => i.vendorStatus === 'installing');
    expect(installing).toMatchObject({ status: 'INSTALLING', progress: 45 });
  });

  it('serves and maps every documented plugin_status', async () => {
    r = await rig();
    for (const status of PLUGIN_STATUSES) {
      r.sim.setPluginStatus('edr', WEB1, status);
      const installations = await r.client.listInstallations();
      const inst = installations.find((i) => i.nativeId === `edr@${WEB1}`);
      expect(inst?.vendorStatus).toBe(status);
      expect(inst?.status).not.toBe('UNKNOWN');
    }
  });

  it('sends enterprise_project_id when configured', async () => {
    r = await rig({}, { config: { enterpriseProjectId: 'all_granted_eps' } });
    await r.client.listPlugins();
    expect(r.sim.server.requests[0]?.query.get('enterprise_project_id')).toBe('all_granted_eps');
  });

  it('follows offset/limit pages until total_num (server caps pages at 4)', async () => {
    r = await rig({ maxPageSize: 4 });
    const installations = await r.client.listInstallations();
    expect(installations).toHaveLength(16);
    expect(new Set(installations.map((i) => i.nativeId)).size).toBe(16);
    const edrOffsets = r.sim.server.requests
      .filter((q) => q.query.get('plugin_code') === 'edr')
      .map((q) => q.query.get('offset'));
    expect(edrOffsets).toEqual(['0', '4']);
  });

  it('pages with the configured limit across many hosts', async () => {
    const many: HssFixtures = {
      plugins: HSS_FIXTURES.plugins.filter((p) => p.code === 'edr'),
      hosts: Array.from({ length: 25 }, (_, i) => ({
        ...HSS_FIXTURES.hosts[0]!,
        hostId: `host-${i}`,
        hostName: `ecs-${i}`,
      })),
      states: {},
    };
    r = await rig({ fixtures: many }, { pageSize: 10 });
    expect(await r.client.listHosts()).toHaveLength(25);
    const pages = r.sim.server.requests.filter((q) => q.path.endsWith('/attachments'));
    expect(pages.map((q) => [q.query.get('offset'), q.query.get('limit')])).toEqual([
      ['0', '10'],
      ['10', '10'],
      ['20', '10'],
    ]);
  });

  it('once the first page gives the total, reads the other pages concurrently (4 at most)', async () => {
    const many: HssFixtures = {
      plugins: HSS_FIXTURES.plugins.filter((p) => p.code === 'edr'),
      hosts: Array.from({ length: 95 }, (_, i) => ({
        ...HSS_FIXTURES.hosts[0]!,
        hostId: `host-${String(i).padStart(2, '0')}`,
        hostName: `ecs-${i}`,
      })),
      states: {},
    };
    r = await rig({ fixtures: many }, { pageSize: 10 });
    // Pages after the first wait until four are at the vendor at once: read one by one, they
    // never would be (the test would then time out); more than four at once is over the bound.
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    let arrived = 0;
    r.sim.server.inject(
      { kind: 'held', until: gate },
      {
        times: 4,
        match: (q) => {
          if (!q.path.endsWith('/attachments') || q.query.get('offset') === '0') return false;
          if (++arrived >= 4) open();
          return true;
        },
      },
    );
    const hosts = await r.client.listHosts();
    expect(hosts.map((h) => h.nativeId)).toEqual(many.hosts.map((h) => h.hostId));
    expect(r.sim.server.peakInFlight()).toBe(4);
  });

  it('ping succeeds with valid credentials; close() closes the pool', async () => {
    r = await rig();
    await expect(r.client.ping()).resolves.toBeUndefined();
    expect(r.sim.server.requests[0]?.query.get('limit')).toBe('10');
  });
});

describe('hss token mode', () => {
  it('sends X-Auth-Token and no signature', async () => {
    r = await rig({}, { mode: 'token' });
    await r.client.listPlugins();
    const [req] = r.sim.server.requests;
    const auth = r.sim.tokenConfig().auth;
    expect(req?.headers['x-auth-token']).toBe(auth.mode === 'token' ? auth.token : 'no token');
    expect(req?.headers.authorization).toBeUndefined();
  });

  it('an expired token is BACKEND_AUTH_FAILED, for ping too (so /readyz shows it)', async () => {
    r = await rig({}, { mode: 'token' });
    await r.client.ping();
    r.sim.expireToken();
    const err = await r.client.listPlugins().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect(err).toMatchObject({
      code: 'BACKEND_AUTH_FAILED',
      vendorCode: 'APIGW.0307',
      backend: 'hss',
      httpStatus: 401,
    });
    const token = (r.sim.tokenConfig().auth as { token: string }).token;
    expect((err as Error).message).toMatch(/24 hours/);
    expect((err as Error).message).not.toContain(token);
    await expect(r.client.ping()).rejects.toMatchObject({
      code: 'BACKEND_AUTH_FAILED',
      vendorCode: 'APIGW.0307',
    });
    // 401 is not a retryable status: one request per call.
    expect(r.sim.server.count()).toBe(3);
  });

  it('a token the gateway does not know is BACKEND_AUTH_FAILED', async () => {
    r = await rig({}, { mode: 'token', config: { auth: { mode: 'token', token: 'MIIforged' } } });
    await expect(r.client.ping()).rejects.toMatchObject({
      code: 'BACKEND_AUTH_FAILED',
      vendorCode: 'APIGW.0301',
    });
  });

  it('a gateway that only takes AK/SK refuses tokens', async () => {
    r = await rig({ auth: 'aksk' }, { mode: 'token' });
    await expect(r.client.listPlugins()).rejects.toMatchObject({ code: 'BACKEND_AUTH_FAILED' });
  });
});
