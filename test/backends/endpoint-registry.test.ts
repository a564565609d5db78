import { describe, expect, it } from 'vitest';
import { BackendError } from '../../src/backends/errors.ts';
import { useHssFleet } from '../helpers/hss-fleet.ts';
import { startTestRuntime } from '../helpers/runtime.ts';

/**
 * SPEC §10: each endpoint its own client (pool, session, breaker), `backends` and /readyz one row
 * per endpoint.
 */
const startFleet = useHssFleet({ breaker: { failureThreshold: 2, coolDownMs: 60_000 } });

interface StatusRow {
  backend: string;
  endpoint: string;
  configured: boolean;
  reachable: boolean | null;
  errorCode: string | null;
  breaker: string;
}

const STATUS = '{ backends { backend endpoint configured reachable errorCode breaker } }';

describe('one client per endpoint', () => {
  it('creates a client per endpoint and calls none of them at start-up (lazy sessions)', async () => {
    const { t, eu, us } = await startFleet();
    expect(t.runtime.endpoints.all.map((e) => [e.name, e.backend])).toEqual([
      ['appliance', 'appliance'],
      ['hss-eu', 'hss'],
      ['hss-us', 'hss'],
    ]);
    expect(eu.server.requests).toHaveLength(0);
    expect(us.server.requests).toHaveLength(0);
    // Each endpoint's client talks to its own simulator only.
    await t.runtime.endpoints.named('hss-us')?.client.ping();
    expect(eu.server.requests).toHaveLength(0);
    expect(us.server.requests.length).toBeGreaterThan(0);
  });

  it('`backends` has one row per endpoint; unconfigured backends keep their one row', async () => {
    const { t } = await startFleet();
    const res = await t.gql<{ backends: StatusRow[] }>(STATUS);
    expect(res.errors).toBeUndefined();
    const rows = res.data?.backends.map((b) => [b.backend, b.endpoint, b.configured, b.reachable]);
    expect(rows).toEqual([
      ['SDM', 'sdm', false, null],
      ['ZSTACK', 'zstack', false, null],
      ['HSS', 'hss-eu', true, true],
      ['HSS', 'hss-us', true, true],
      ['APPLIANCE', 'appliance', true, true],
      ['KORAP', 'korap', false, null],
    ]);
  });

  it('breakers are per endpoint: one failing region opens its own; /readyz names that endpoint', async () => {
    const { t, eu, us } = await startFleet();
    us.server.inject({ kind: 'status', status: 500 });
    const failing = t.runtime.endpoints.named('hss-us');
    for (let i = 0; i < 2; i++) {
      const err = await failing?.client.ping().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(BackendError);
    }
    const sent = us.server.requests.length;
    const open = await failing?.client.ping().catch((e: unknown) => e);
    expect((open as BackendError).code).toBe('BACKEND_CIRCUIT_OPEN');
    expect(us.server.requests.length).toBe(sent);

    const res = await t.gql<{ backends: StatusRow[] }>(STATUS);
    const hss = res.data?.backends.filter((b) => b.backend === 'HSS');
    expect(hss).toEqual([
      expect.objectContaining({ endpoint: 'hss-eu', reachable: true, breaker: 'CLOSED' }),
      expect.objectContaining({
        endpoint: 'hss-us',
        reachable: false,
        errorCode: 'BACKEND_CIRCUIT_OPEN',
        breaker: 'OPEN',
      }),
    ]);
    expect(eu.server.requests.length).toBeGreaterThan(0);

    // SPEC §3: one region down is a partial failure: named in the body, the instance ready.
    const ready = await t.runtime.app.fetch('http://localhost/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'degraded',
      failing: [
        { backend: 'hss', endpoint: 'hss-us', code: 'BACKEND_CIRCUIT_OPEN', breaker: 'OPEN' },
      ],
    });
  });

  it('metrics label each endpoint not named after its backend: calls and breakers', async () => {
    const { t, us } = await startFleet();
    us.server.inject({ kind: 'status', status: 500 });
    const failing = t.runtime.endpoints.named('hss-us');
    for (let i = 0; i < 2; i++) await failing?.client.ping().catch(() => undefined);
    await t.runtime.endpoints.named('hss-eu')?.client.ping();
    await t.gql('{ updates { version } }');
    const text = await (await t.runtime.app.fetch('http://localhost/metrics')).text();
    const series = (name: string) => text.split('\n').filter((l) => l.startsWith(name));
    expect(series('plugin_graph_backend_breaker_state')).toEqual(
      expect.arrayContaining([
        'plugin_graph_backend_breaker_state{backend="hss",endpoint="hss-us",state="OPEN"} 1',
        'plugin_graph_backend_breaker_state{backend="hss",endpoint="hss-eu",state="CLOSED"} 1',
        'plugin_graph_backend_breaker_state{backend="appliance",state="CLOSED"} 1',
      ]),
    );
    const calls = series('plugin_graph_backend_calls_total{');
    expect(calls.some((l) => /endpoint="hss-us",.*outcome="server_error"/.test(l))).toBe(true);
    expect(calls.some((l) => /endpoint="hss-eu",.*outcome="ok"/.test(l))).toBe(true);
    // The environment's appliance keeps its series as they were: no endpoint label.
    expect(
      calls.some((l) =>
        l.startsWith('plugin_graph_backend_calls_total{backend="appliance",operation='),
      ),
    ).toBe(true);
  });

  it('an environment endpoint is named after its backend in `backends` and /readyz', async () => {
    const t = await startTestRuntime({
      config: { breaker: { failureThreshold: 1, coolDownMs: 60_000 } },
    });
    try {
      t.appliance.server.inject({ kind: 'status', status: 500 });
      const res = await t.gql<{ backends: StatusRow[] }>(STATUS);
      expect(res.data?.backends.find((b) => b.backend === 'APPLIANCE')).toMatchObject({
        endpoint: 'appliance',
        reachable: false,
        breaker: 'OPEN',
      });
      const ready = await t.runtime.app.fetch('http://localhost/readyz');
      expect(await ready.json()).toMatchObject({
        failing: [{ backend: 'appliance', endpoint: 'appliance', breaker: 'OPEN' }],
      });
    } finally {
      await t.close();
    }
  });
});
