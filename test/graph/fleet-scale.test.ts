import { afterEach, describe, expect, it } from 'vitest';
import { hssFleet } from '../../src/backends/hss/fixtures.ts';
import { type HssSimulator, startHssSimulator } from '../../src/backends/hss/simulator.ts';
import type { EndpointConfig } from '../../src/config/index.ts';
import { ENDPOINT_CONCURRENCY } from '../../src/schema/partial-errors.ts';
import { startTestRuntime, type TestRuntime } from '../helpers/runtime.ts';

/**
 * Issue 15, scale: 50 HSS endpoints cost nothing at start-up, a list across them runs their calls
 * concurrently but at most ENDPOINT_CONCURRENCY at once, and each failing endpoint is one
 * `failures` entry. They share one simulator; each has its own enterprise project id, which every
 * HSS call carries as `enterprise_project_id`, so the request log tells them apart.
 */
const ENDPOINTS = 50;
let t: TestRuntime | undefined;
let sim: HssSimulator | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
  await sim?.close();
  sim = undefined;
});

const nameOf = (i: number) => `hss-${String(i).padStart(2, '0')}`;

async function startFleet(): Promise<{ t: TestRuntime; sim: HssSimulator }> {
  // One plugin each, so the 50 endpoints' plugins fit in one page.
  sim = await startHssSimulator({ fixtures: hssFleet(1) });
  const base = sim.config();
  const endpoints: EndpointConfig[] = Array.from({ length: ENDPOINTS }, (_, i) => ({
    name: nameOf(i),
    backend: 'hss',
    source: 'file',
    origin: `endpoints[${i}]`,
    settings: { ...base, enterpriseProjectId: `ep-${i}` },
  }));
  t = await startTestRuntime({
    // A breaker per endpoint that does not open during the test's few calls.
    config: { endpoints, breaker: { failureThreshold: 100, coolDownMs: 100 } },
  });
  return { t, sim };
}

const PLUGINS = `{
  plugins(backend: HSS, first: 100) {
    edges { node { endpoint nativeId } }
    failures { backend endpoint code }
  }
}`;

interface Plugins {
  plugins: {
    edges: { node: { endpoint: string; nativeId: string } }[];
    failures: { backend: string; endpoint: string; code: string }[];
  };
}

const enterpriseProject = (r: { query: URLSearchParams }) => r.query.get('enterprise_project_id');

describe('50 endpoints of one backend', () => {
  it('start-up makes no vendor call; one list asks every endpoint once, a second none', async () => {
    const { t, sim } = await startFleet();
    expect(sim.server.count()).toBe(0);

    const res = await t.gql<Plugins>(PLUGINS);
    expect(res.errors).toBeUndefined();
    expect(res.data?.plugins.failures).toEqual([]);
    const endpoints = new Set(res.data?.plugins.edges.map((e) => e.node.endpoint));
    expect(endpoints.size).toBe(ENDPOINTS);
    // The first read of each endpoint is its snapshot's refresh: one plugin list per endpoint
    // (hosts and installations reuse it), never one per item or per field.
    const lists = sim.server.requests.filter((r) => r.path.endsWith('/plugins'));
    const asked = lists.map(enterpriseProject).sort();
    expect(asked).toEqual(Array.from({ length: ENDPOINTS }, (_, i) => `ep-${i}`).sort());

    // Once read, the list answers from the 50 snapshots: no endpoint is asked again.
    const before = sim.server.count();
    const again = await t.gql<Plugins>(PLUGINS);
    expect(again.data).toEqual(res.data);
    expect(sim.server.count()).toBe(before);
  });

  it('runs the calls concurrently, at most ENDPOINT_CONCURRENCY at once', async () => {
    const { t, sim } = await startFleet();
    // The first ENDPOINT_CONCURRENCY calls wait for each other, so the peak reaches the bound;
    // every later call is slowed down, so calls started without a bound would overlap past it.
    let arrived = 0;
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    sim.server.inject(
      { kind: 'held', until: gate },
      {
        times: ENDPOINT_CONCURRENCY,
        match: () => {
          if (++arrived >= ENDPOINT_CONCURRENCY) open();
          return true;
        },
      },
    );
    sim.server.inject({ kind: 'latency', ms: 50 });
    const res = await t.gql<Plugins>(PLUGINS);
    expect(res.errors).toBeUndefined();
    expect(new Set(res.data?.plugins.edges.map((e) => e.node.endpoint)).size).toBe(ENDPOINTS);
    expect(ENDPOINT_CONCURRENCY).toBeLessThan(ENDPOINTS);
    expect(sim.server.peakInFlight()).toBe(ENDPOINT_CONCURRENCY);
  });

  it('each failing endpoint is one failures entry; the others answer', async () => {
    const { t, sim } = await startFleet();
    const failing = new Set([3, 17, 42].map((i) => `ep-${i}`));
    sim.server.inject(
      { kind: 'status', status: 503, body: '', contentType: 'text/plain' },
      { match: (req) => failing.has(enterpriseProject(req) ?? '') },
    );
    const res = await t.gql<Plugins>(PLUGINS);
    const failures = res.data?.plugins.failures ?? [];
    expect(failures.map((f) => f.endpoint).sort()).toEqual(['hss-03', 'hss-17', 'hss-42']);
    for (const f of failures) {
      expect(f.backend).toBe('HSS');
      expect(f.code).toBe('BACKEND_UNAVAILABLE');
    }
    const answered = new Set(res.data?.plugins.edges.map((e) => e.node.endpoint));
    expect(answered.size).toBe(ENDPOINTS - 3);
    for (const name of ['hss-03', 'hss-17', 'hss-42']) expect(answered.has(name)).toBe(false);
    // The partial errors name the same endpoints, one each.
    const errorEndpoints = (res.errors ?? []).map((e) => e.extensions?.endpoint).sort();
    expect(errorEndpoints).toEqual(['hss-03', 'hss-17', 'hss-42']);
    expect(new Set((res.errors ?? []).map((e) => e.extensions?.code))).toEqual(
      new Set(['BACKEND_UNAVAILABLE']),
    );
  });
});
