import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type SdmSimulator, startSdmSimulator } from '../../../src/backends/sdm/simulator.ts';

/** The simulator's own wire, seen with plain fetch (what any SDM client would meet). */

let sim: SdmSimulator;
const XML = { 'content-type': 'application/xml', accept: 'application/xml' };

async function login(): Promise<string> {
  const { username, password } = sim.config();
  const res = await fetch(`${sim.url}/v1.3/admin/login`, {
    method: 'POST',
    headers: XML,
    body: `<session><userName>${username}</userName><password>${password}</password></session>`,
  });
  expect(res.status).toBe(200);
  const cookie = res.headers.get('set-cookie') ?? '';
  expect(cookie).toMatch(/^JSESSIONID=[0-9A-F]+; Path=\/rest; HttpOnly$/);
  return cookie.split(';')[0]!;
}

beforeEach(async () => {
  sim = await startSdmSimulator({ stepMs: 60_000 });
});
afterEach(() => sim.close());

describe('sdm simulator wire', () => {
  it('answers 401 without a body when there is no session', async () => {
    const res = await fetch(`${sim.url}/v1.3/admin/plugins`, { headers: XML });
    expect(res.status).toBe(401);
    expect(await res.text()).toBe('');
  });

  it('answers 401 on bad credentials and 415 on a non-XML login', async () => {
    const bad = await fetch(`${sim.url}/v1.3/admin/login`, {
      method: 'POST',
      headers: XML,
      body: '<session><userName>admin</userName><password>nope</password></session>',
    });
    expect(bad.status).toBe(401);
    const json = await fetch(`${sim.url}/v1.3/admin/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(json.status).toBe(415);
  });

  it('serves XML with entities escaped, 404 without a body', async () => {
    const cookie = await login();
    const res = await fetch(`${sim.url}/v1.3/admin/plugins/ID7`, { headers: { ...XML, cookie } });
    expect(res.headers.get('content-type')).toBe('application/xml');
    const body = await res.text();
    expect(body).toContain('<name>SBC Config &amp; Audit</name>');
    expect(body).toContain('&lt;SBC&gt;');
    expect(body).toContain('<clusterMembers><clusterMemberStatus>ACTIVE</clusterMemberStatus>');
    const missing = await fetch(`${sim.url}/v1.3/admin/plugins/ID404`, {
      headers: { ...XML, cookie },
    });
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe('');
  });

  it('accepts the action type in any case, one action at a time', async () => {
    const cookie = await login();
    const act = (type: string) =>
      fetch(`${sim.url}/v1.3/admin/plugins/ID9/action`, {
        method: 'POST',
        headers: { ...XML, cookie },
        body: `<?xml version="1.0"?><pluginAction><type>${type}</type></pluginAction>`,
      });
    expect((await act('Install')).status).toBe(200);
    expect(sim.plugin('ID9')?.running).toBe('install');
    const second = await act('uninstall');
    expect(second.status).toBe(400);
    expect(await second.text()).toBe('');
    sim.finishActions();
    expect(sim.plugin('ID9')?.members.map((m) => m.pluginStatus)).toEqual([
      'INSTALLED',
      'INSTALLED',
      'INSTALLED',
    ]);
    expect((await act('explode')).status).toBe(400);
  });

  it('serves the v1.1 member shape under /rest/v1.1', async () => {
    await sim.close();
    sim = await startSdmSimulator({ apiVersion: 'v1.1' });
    const { username, password } = sim.config();
    const res = await fetch(`${sim.url}/v1.1/admin/login`, {
      method: 'POST',
      headers: XML,
      body: `<session><userName>${username}</userName><password>${password}</password></session>`,
    });
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
    const body = await (
      await fetch(`${sim.url}/v1.1/admin/plugins/ID1`, { headers: { ...XML, cookie } })
    ).text();
    expect(body).toContain('<pluginClusterMembers><pluginClusterMember>');
    expect(body).not.toContain('<clusterMembers>');
    const wrongVersion = await fetch(`${sim.url}/v1.3/admin/plugins/ID1`, {
      headers: { ...XML, cookie },
    });
    expect(wrongVersion.status).toBe(404);
  });

  it('removes a plug-in only once it is uninstalled everywhere', async () => {
    const cookie = await login();
    const del = (id: string) =>
      fetch(`${sim.url}/v1.3/admin/plugins/${id}`, {
        method: 'DELETE',
        headers: { ...XML, cookie },
      });
    expect((await del('ID1')).status).toBe(400);
    expect((await del('ID9')).status).toBe(204);
    expect(sim.plugin('ID9')).toBeUndefined();
  });
});
