import { afterEach, describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/backends/breaker.ts';
import { BackendError } from '../../src/backends/errors.ts';
import { VendorHttp } from '../../src/backends/http.ts';
import { type SimulatorServer, startSimulatorServer } from '../../src/backends/simulator/server.ts';
import { startTestRuntime, type TestRuntime } from '../helpers/runtime.ts';
import { waitFor } from '../helpers/wait-for.ts';

function codeOf(err: unknown): string | undefined {
  return err instanceof BackendError ? err.code : undefined;
}

describe('CircuitBreaker', () => {
  let now = 0;
  const breaker = () =>
    new CircuitBreaker('sdm', { failureThreshold: 3, coolDownMs: 1_000, now: () => now });

  it('opens after N consecutive failures; a success in between resets the count', () => {
    now = 0;
    const b = breaker();
    b.enter().failure();
    b.enter().failure();
    b.enter().success();
    b.enter().failure();
    b.enter().failure();
    expect(b.state).toBe('CLOSED');
    b.enter().failure();
    expect(b.state).toBe('OPEN');
    expect(() => b.enter()).toThrow(BackendError);
    try {
      b.enter();
    } catch (err) {
      expect(codeOf(err)).toBe('BACKEND_CIRCUIT_OPEN');
      expect((err as BackendError).backend).toBe('sdm');
    }
  });

  it('after the cool-down lets one probe through: success closes, failure reopens', () => {
    now = 0;
    const b = breaker();
    for (let i = 0; i < 3; i++) b.enter().failure();
    now = 999;
    expect(() => b.enter()).toThrow(BackendError);
    now = 1_000;
    expect(b.state).toBe('HALF_OPEN');
    const probe = b.enter();
    expect(() => b.enter()).toThrow(BackendError); // one probe at a time
    probe.failure();
    expect(b.state).toBe('OPEN');
    now = 2_000;
    b.enter().success();
    expect(b.state).toBe('CLOSED');
    b.enter().failure();
    expect(b.state).toBe('CLOSED'); // the count started again
  });

  it('an exchange that never reached the vendor counts neither way', () => {
    now = 0;
    const b = breaker();
    for (let i = 0; i < 3; i++) b.enter().failure();
    now = 1_000;
    b.enter().release();
    expect(b.state).toBe('HALF_OPEN');
    b.enter().success();
    expect(b.state).toBe('CLOSED');
  });

  it('refuses nonsense options', () => {
    expect(() => new CircuitBreaker('sdm', { failureThreshold: 0 })).toThrow(TypeError);
  });
});

describe('VendorHttp: breaker, retries, deadline', () => {
  let server: SimulatorServer | undefined;
  let http: VendorHttp | undefined;
  afterEach(async () => {
    await http?.close();
    await server?.close();
  });

  async function start(
    options: Partial<ConstructorParameters<typeof VendorHttp>[0]> = {},
    handler: Parameters<typeof startSimulatorServer>[0] = () => ({ status: 200, body: '{}' }),
  ) {
    server = await startSimulatorServer(handler);
    http = new VendorHttp({
      backend: 'zstack',
      baseUrl: server.origin,
      timeoutMs: 2_000,
      retryBaseDelayMs: 1,
      ...options,
    });
    return { server, http };
  }

  it('5xx and dropped connections open the breaker; then calls fail fast without reaching the vendor', async () => {
    const breaker = new CircuitBreaker('zstack', { failureThreshold: 3, coolDownMs: 60_000 });
    const { server, http } = await start({ breaker, maxAttempts: 1 });
    server.inject({ kind: 'status', status: 500 }, { times: 2 });
    server.inject({ kind: 'drop' }, { times: 1 });
    expect((await http.request({ method: 'GET', path: '/a', operation: 't' })).status).toBe(500);
    expect((await http.request({ method: 'GET', path: '/a', operation: 't' })).status).toBe(500);
    await expect(http.request({ method: 'GET', path: '/a', operation: 't' })).rejects.toMatchObject(
      {
        code: 'BACKEND_UNAVAILABLE',
      },
    );
    expect(breaker.state).toBe('OPEN');
    const seen = server.requests.length;
    await expect(http.request({ method: 'GET', path: '/a', operation: 't' })).rejects.toMatchObject(
      {
        code: 'BACKEND_CIRCUIT_OPEN',
        backend: 'zstack',
      },
    );
    expect(server.requests.length).toBe(seen);
  });

  it('4xx and malformed bodies are answers: they do not count against the vendor', async () => {
    const breaker = new CircuitBreaker('zstack', { failureThreshold: 1 });
    const { server, http } = await start({ breaker });
    server.inject({ kind: 'status', status: 404 }, { times: 1 });
    server.inject({ kind: 'malformed' }, { times: 1 });
    await http.request({ method: 'GET', path: '/a', operation: 't' });
    await http.request({ method: 'GET', path: '/a', operation: 't' });
    expect(breaker.state).toBe('CLOSED');
  });

  it('half-open probe: after the cool-down one call goes through and closes the breaker', async () => {
    const breaker = new CircuitBreaker('zstack', { failureThreshold: 1, coolDownMs: 50 });
    const { server, http } = await start({ breaker, maxAttempts: 1 });
    server.inject({ kind: 'status', status: 503 }, { times: 1 });
    await http.request({ method: 'GET', path: '/a', operation: 't' });
    expect(breaker.state).toBe('OPEN');
    await waitFor(async () => breaker.state === 'HALF_OPEN', 'the breaker to half-open');
    const res = await http.request({ method: 'GET', path: '/a', operation: 't' });
    expect(res.status).toBe(200);
    expect(breaker.state).toBe('CLOSED');
  });

  it('reads are retried on connection errors and 503 with backoff', async () => {
    const { server, http } = await start({ maxAttempts: 3 });
    server.inject({ kind: 'drop' }, { times: 1 });
    server.inject({ kind: 'status', status: 503 }, { times: 1 });
    const res = await http.request({ method: 'GET', path: '/a', operation: 't' });
    expect(res.status).toBe(200);
    expect(server.count({ path: '/a' })).toBe(3);
  });

  it('writes are never retried, however transient the failure', async () => {
    const { server, http } = await start({ maxAttempts: 5 });
    server.inject({ kind: 'drop' }, { times: 1 });
    await expect(
      http.request({ method: 'POST', path: '/w', operation: 'write', body: '{}' }),
    ).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    expect(server.count({ path: '/w' })).toBe(1);
    server.inject({ kind: 'status', status: 503 }, { times: 1 });
    const res = await http.request({ method: 'DELETE', path: '/w', operation: 'delete' });
    expect(res.status).toBe(503);
    expect(server.count({ path: '/w' })).toBe(2);
  });

  it('the deadline covers retries: slow 503s end in BACKEND_TIMEOUT, not in more attempts', async () => {
    // Each answer takes 250 ms; ten attempts would take 2.5 s, but the deadline is 600 ms.
    const { server, http } = await start({ timeoutMs: 600, maxAttempts: 10 }, async () => {
      await new Promise((r) => setTimeout(r, 250));
      return { status: 503 };
    });
    await expect(
      http.request({ method: 'GET', path: '/slow', operation: 't' }),
    ).rejects.toMatchObject({ code: 'BACKEND_TIMEOUT' });
    expect(server.count({ path: '/slow' })).toBeLessThanOrEqual(3);
  });
});

describe('breaker state in `backends` and /readyz', () => {
  let t: TestRuntime | undefined;
  afterEach(() => t?.close());

  it('open while the vendor fails (BACKEND_CIRCUIT_OPEN, named by readyz, still 200), closed again after a probe', async () => {
    t = await startTestRuntime({ config: { breaker: { failureThreshold: 2, coolDownMs: 500 } } });
    const rt = t;
    rt.appliance.server.inject({ kind: 'status', status: 500 });
    // Two failed exchanges (each a 500 to the login) open it; the third call fails fast.
    for (let i = 0; i < 2; i++) {
      const failed = await rt.gql('{ updates { version } }');
      expect(failed.errors?.[0]?.extensions?.code).toBe('BACKEND_UNAVAILABLE');
    }
    const sent = rt.appliance.server.requests.length;
    const second = await rt.gql('{ updates { version } }');
    expect(second.errors?.[0]?.extensions?.code).toBe('BACKEND_CIRCUIT_OPEN');
    expect(rt.appliance.server.requests.length).toBe(sent);
    expect(second.errors?.[0]?.extensions?.backend).toBe('appliance');

    const status = await rt.gql<{ backends: { backend: string; breaker: string }[] }>(
      '{ backends { backend breaker reachable errorCode } }',
    );
    expect(status.data?.backends.find((b) => b.backend === 'APPLIANCE')?.breaker).toBe('OPEN');
    // SPEC §3: a vendor down is a partial failure, named in the body; the instance stays ready.
    const ready = await rt.runtime.app.fetch('http://localhost/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'degraded',
      failing: [{ backend: 'appliance', code: 'BACKEND_CIRCUIT_OPEN', breaker: 'OPEN' }],
    });

    rt.appliance.server.clearFaults();
    // Once the cool-down is over, the next call is the probe; it succeeds and closes the breaker.
    await waitFor(async () => {
      const res = await rt.gql<{ updates: unknown[] }>('{ updates { version } }');
      return res.data?.updates ? res : undefined;
    }, 'an answer once the breaker closes');
    const after = await rt.gql<{ backends: { backend: string; breaker: string }[] }>(
      '{ backends { backend breaker } }',
    );
    expect(after.data?.backends.find((b) => b.backend === 'APPLIANCE')?.breaker).toBe('CLOSED');
    expect((await rt.runtime.app.fetch('http://localhost/readyz')).status).toBe(200);
  });
});
