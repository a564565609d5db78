import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { type DemoSimulators, startDemoSimulators } from '../../src/demo/fleet.ts';
import { createRuntime, type Runtime } from '../../src/runtime.ts';

/** Issue 15: demo mode shows a fleet, two HSS regions and two appliance sites with other fixtures. */
let demo: DemoSimulators;
let runtime: Runtime;
beforeAll(async () => {
  demo = await startDemoSimulators();
  // What src/server.ts does in demo mode (no configuration at all).
  const base = loadConfig({});
  expect(base.demo).toBe(true);
  const config = { ...base, backends: demo.backends, endpoints: demo.endpoints };
  runtime = createRuntime(config, pino({ level: 'silent' }));
});
afterAll(async () => {
  await runtime?.close();
  await demo?.close();
});

async function gql<T>(query: string): Promise<{ data?: T; errors?: unknown[] }> {
  const res = await runtime.app.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query }),
  });
  return (await res.json()) as { data?: T; errors?: unknown[] };
}

interface Row {
  endpoint: string;
  nativeId: string;
}

describe('demo fleet', () => {
  it('backends has one row per demo endpoint', async () => {
    const res = await gql<{ backends: { backend: string; endpoint: string }[] }>(
      '{ backends { backend endpoint } }',
    );
    expect(res.errors).toBeUndefined();
    const rows = res.data?.backends.map((b) => `${b.backend}:${b.endpoint}`).sort();
    expect(rows).toEqual(
      [
        'APPLIANCE:appliance',
        'APPLIANCE:appliance-dr',
        'HSS:hss',
        'HSS:hss-ap',
        'KORAP:korap',
        'SDM:sdm',
        'ZSTACK:zstack',
      ].sort(),
    );
  });

  it('lists both HSS regions with distinct endpoints and their own fixtures', async () => {
    const res = await gql<{
      hosts: { edges: { node: Row }[] };
      plugins: { edges: { node: Row }[] };
    }>(`{
      hosts(backend: HSS, first: 100) { edges { node { endpoint nativeId } } }
      plugins(backend: HSS, first: 100) { edges { node { endpoint nativeId } } }
    }`);
    expect(res.errors).toBeUndefined();
    const by = (rows: Row[] | undefined, endpoint: string) =>
      (rows ?? []).filter((r) => r.endpoint === endpoint).map((r) => r.nativeId);
    const hosts = res.data?.hosts.edges.map((e) => e.node);
    const plugins = res.data?.plugins.edges.map((e) => e.node);
    expect(new Set(hosts?.map((h) => h.endpoint))).toEqual(new Set(['hss', 'hss-ap']));
    expect(by(hosts, 'hss').length).toBeGreaterThan(0);
    expect(by(hosts, 'hss-ap').length).toBeGreaterThan(0);
    // Other servers in the other region.
    expect(by(hosts, 'hss').filter((id) => by(hosts, 'hss-ap').includes(id))).toEqual([]);
    expect(by(plugins, 'hss')).toContain('ndr');
    expect(by(plugins, 'hss-ap')).toContain('wtp');
    expect(by(plugins, 'hss-ap')).not.toContain('ndr');
  });

  it('lists the updates of both appliances, other versions at each site', async () => {
    const res = await gql<{ updates: { endpoint: string; version: string }[] }>(
      '{ updates { endpoint version } }',
    );
    expect(res.errors).toBeUndefined();
    const versions = (endpoint: string) =>
      (res.data?.updates ?? []).filter((u) => u.endpoint === endpoint).map((u) => u.version);
    expect(versions('appliance')).toContain('9.1.0.0');
    expect(versions('appliance-dr')).toEqual(['9.0.2.2', '9.0.4.0']);
  });
});
