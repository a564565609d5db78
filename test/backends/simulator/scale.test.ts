import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hssScaledFleet } from '../../../src/backends/hss/fixtures-scaled.ts';
import { type HssSimulator, startHssSimulator } from '../../../src/backends/hss/simulator.ts';
import { sdmScaledFleet } from '../../../src/backends/sdm/fixtures-scaled.ts';
import { type SdmSimulator, startSdmSimulator } from '../../../src/backends/sdm/simulator.ts';
import { parseXml } from '../../../src/backends/sdm/wire.ts';
import {
  SIMULATOR_SCALE_DEFAULTS,
  simulatorScaleField,
} from '../../../src/config/simulator-scale.ts';

/** Issue 17: SIMULATOR_SCALE's generated fleets, paged on the wire exactly as the vendors page. */

const scale = {
  ...SIMULATOR_SCALE_DEFAULTS,
  hosts: 10_000,
  plugins: 50,
  sdmPlugins: 50,
  members: 200,
};

describe('SIMULATOR_SCALE grammar', () => {
  it('parses key:integer pairs, defaults the rest, sdmPlugins following plugins', () => {
    expect(
      simulatorScaleField.parse('hosts:10000,plugins:50,members:200,pageLatencyMs:100'),
    ).toEqual({
      hosts: 10_000,
      plugins: 50,
      sdmPlugins: 50,
      members: 200,
      pageLatencyMs: 100,
      seed: 1,
    });
    expect(simulatorScaleField.parse('hosts:3,sdmPlugins:7').sdmPlugins).toBe(7);
  });

  it('refuses unknown keys, repeats, non-integers and values out of range, one issue each', () => {
    const r = simulatorScaleField.safeParse('hosts:ten,colour:1,plugins:5,plugins:6,members:0');
    expect(r.success).toBe(false);
    expect(r.error?.issues).toHaveLength(4);
  });
});

describe('HSS at 10,000 hosts', () => {
  let sim: HssSimulator;
  let token = '';
  beforeAll(async () => {
    sim = await startHssSimulator({
      stepMs: 60_000,
      auth: 'token',
      fixtures: hssScaledFleet(scale),
    });
    const cfg = sim.tokenConfig();
    token = cfg.auth.mode === 'token' ? cfg.auth.token : '';
  });
  afterAll(() => sim.close());

  async function get(path: string, query: Record<string, string | string[]>) {
    const url = new URL(`/v5/${sim.projectId}${path}`, sim.url);
    for (const [k, v] of Object.entries(query))
      for (const one of [v].flat()) url.searchParams.append(k, one);
    const res = await fetch(url, { headers: { 'x-auth-token': token } });
    return {
      status: res.status,
      body: (await res.json()) as {
        data_list: { host_id: string; host_name: string; plugin_status: string; code: string }[];
        total_num: number;
        error_code?: string;
      },
    };
  }

  it('ListPlugins pages the 50 codes by offset and limit', async () => {
    const first = await get('/plugins', { offset: '0', limit: '20' });
    expect(first.body.total_num).toBe(50);
    expect(first.body.data_list).toHaveLength(20);
    const last = await get('/plugins', { offset: '40', limit: '20' });
    expect(last.body.data_list).toHaveLength(10);
    const codes = new Set([...first.body.data_list, ...last.body.data_list].map((p) => p.code));
    expect(codes.size).toBe(30);
  });

  it('ListPluginStatus gives total_num, pages by offset, a short last page, limit capped at 200', async () => {
    // edr exists for Linux and Windows: one row per host.
    const first = await get('/plugins/attachments', {
      plugin_code: 'edr',
      offset: '0',
      limit: '200',
    });
    expect(first.status).toBe(200);
    expect(first.body.total_num).toBe(10_000);
    expect(first.body.data_list).toHaveLength(200);
    expect(first.body.data_list[0]?.host_name).toBe('ecs-fleet-000000');
    const next = await get('/plugins/attachments', {
      plugin_code: 'edr',
      offset: '200',
      limit: '200',
    });
    expect(next.body.data_list[0]?.host_name).toBe('ecs-fleet-000200');
    const last = await get('/plugins/attachments', {
      plugin_code: 'edr',
      offset: '9950',
      limit: '200',
    });
    expect(last.body.data_list).toHaveLength(50);
    expect(last.body.data_list.at(-1)?.host_name).toBe('ecs-fleet-009999');
    const past = await get('/plugins/attachments', {
      plugin_code: 'edr',
      offset: '10000',
      limit: '200',
    });
    expect(past.body).toEqual({ data_list: [], total_num: 10_000 });
    const over = await get('/plugins/attachments', {
      plugin_code: 'edr',
      offset: '0',
      limit: '201',
    });
    expect(over.status).toBe(400);
    expect(over.body.error_code).toBe('HSS.0001');
  });

  it('a Linux-only plugin has fewer rows; status and host filters count what they match', async () => {
    const ndr = await get('/plugins/attachments', { plugin_code: 'ndr', limit: '10' });
    expect(ndr.body.total_num).toBeGreaterThan(7_000);
    expect(ndr.body.total_num).toBeLessThan(10_000);
    const running = await get('/plugins/attachments', {
      plugin_code: 'edr',
      plugin_status: 'running',
      offset: '0',
      limit: '200',
    });
    expect(running.body.total_num).toBeGreaterThan(4_000);
    expect(running.body.total_num).toBeLessThan(7_000);
    expect(running.body.data_list.every((r) => r.plugin_status === 'running')).toBe(true);
    const ids = sim
      .hostsFor('edr')
      .slice(500, 503)
      .map((h) => h.hostId);
    const some = await get('/plugins/attachments', {
      plugin_code: 'edr',
      host_ids: ids,
      limit: '10',
    });
    expect(some.body.data_list.map((r) => r.host_id)).toEqual(ids);
    expect(some.body.total_num).toBe(3);
  });

  it('is the same fleet on every start (seeded), and a start moves only the rows it names', async () => {
    const again = await startHssSimulator({ stepMs: 60_000, fixtures: hssScaledFleet(scale) });
    try {
      expect(again.hostsFor('antivirus').slice(0, 300)).toEqual(
        sim.hostsFor('antivirus').slice(0, 300),
      );
    } finally {
      await again.close();
    }
    const target = sim
      .hostsFor('edr')
      .find((h) => h.pluginStatus === 'stopped' && h.agentStatus === 'online');
    expect(target).toBeDefined();
    const url = new URL(`/v5/${sim.projectId}/plugins/attachments/start`, sim.url);
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'x-auth-token': token, 'content-type': 'application/json' },
      body: JSON.stringify({
        plugin_code: 'edr',
        operate_all: false,
        host_id_list: [target?.hostId],
      }),
    });
    expect(res.status).toBe(200);
    const rows = sim.hostsFor('edr');
    expect(rows.filter((r) => r.pluginStatus === 'starting').map((r) => r.hostId)).toEqual([
      target?.hostId,
    ]);
  });
});

describe('SDM at 200 members', () => {
  let sim: SdmSimulator;
  let cookie = '';
  beforeAll(async () => {
    sim = await startSdmSimulator({ stepMs: 60_000, fixtures: sdmScaledFleet(scale) });
    const { username, password } = sim.config();
    const res = await fetch(`${sim.url}/v1.3/admin/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: `<session><userName>${username}</userName><password>${password}</password></session>`,
    });
    cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  });
  afterAll(() => sim.close());

  interface Page {
    pluginInfos: {
      pageInfo: { numberOfElements: string | number; offset: string | number };
      pluginInfos?:
        | { id: string; clusterMembers?: unknown[] }[]
        | { id: string; clusterMembers?: unknown[] };
    };
  }
  async function page(offset: number, limit: number): Promise<Page['pluginInfos']> {
    const res = await fetch(`${sim.url}/v1.3/admin/plugins?offset=${offset}&limit=${limit}`, {
      headers: { cookie, accept: 'application/xml' },
    });
    expect(res.status).toBe(200);
    return (parseXml(await res.text()) as Page).pluginInfos;
  }

  it('Get All Plug-ins pages the 50 plug-ins, each with its 200 members', async () => {
    const first = await page(0, 20);
    expect(Number(first.pageInfo.numberOfElements)).toBe(20);
    const items = [first.pluginInfos].flat();
    expect(items[0]?.id).toBe('ID1001');
    expect(items[0]?.clusterMembers).toHaveLength(200);
    const last = await page(40, 20);
    expect(Number(last.pageInfo.numberOfElements)).toBe(10);
    expect(Number(last.pageInfo.offset)).toBe(40);
    expect([last.pluginInfos].flat().at(-1)?.id).toBe('ID1050');
    expect(sim.plugin('ID1050')?.members).toHaveLength(200);
  });
});
