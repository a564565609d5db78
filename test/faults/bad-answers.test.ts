import { afterEach, describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/backends/breaker.ts';
import { HssClient } from '../../src/backends/hss/client.ts';
import { startHssSimulator } from '../../src/backends/hss/simulator.ts';
import { SdmClient } from '../../src/backends/sdm/client.ts';
import { startSdmSimulator } from '../../src/backends/sdm/simulator.ts';
import type { Fault } from '../../src/backends/simulator/server.ts';

/**
 * Issue 26.8: an HTML page answered with status 200 (a proxy or gateway in the vendor's stead)
 * is BACKEND_BAD_RESPONSE, and counts against the breaker like a 502 would: N of them in a row
 * open it, and then calls fail fast without reaching the vendor.
 */

const HTML: Fault = {
  kind: 'status',
  status: 200,
  contentType: 'text/html',
  body: '<html><body><h1>502 Bad Gateway</h1></body></html>',
};

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function hss(breaker: CircuitBreaker) {
  const sim = await startHssSimulator({ stepMs: 0 });
  const client = new HssClient(sim.config(), {
    timeoutMs: 5_000,
    breakers: { for: () => breaker },
  });
  closers.push(
    () => client.close(),
    () => sim.close(),
  );
  return { sim, client };
}

describe('an HTML 200 counts against the breaker', () => {
  it('hss: three HTML pages in a row open a breaker of three; the fourth call never leaves', async () => {
    const breaker = new CircuitBreaker('hss', { failureThreshold: 3, coolDownMs: 60_000 });
    const { sim, client } = await hss(breaker);
    sim.server.inject(HTML);
    for (let i = 0; i < 3; i++) {
      await expect(client.listPlugins()).rejects.toMatchObject({ code: 'BACKEND_BAD_RESPONSE' });
    }
    expect(breaker.state).toBe('OPEN');
    expect(sim.server.count()).toBe(3);
    await expect(client.listPlugins()).rejects.toMatchObject({ code: 'BACKEND_CIRCUIT_OPEN' });
    expect(sim.server.count()).toBe(3);
  });

  it('hss: a usable answer in between starts the count again (failures are consecutive)', async () => {
    const breaker = new CircuitBreaker('hss', { failureThreshold: 3, coolDownMs: 60_000 });
    const { sim, client } = await hss(breaker);
    sim.server.inject(HTML, { times: 2 });
    for (let i = 0; i < 2; i++) await expect(client.listPlugins()).rejects.toThrow();
    expect(await client.listPlugins()).toHaveLength(3);
    sim.server.inject(HTML, { times: 2 });
    for (let i = 0; i < 2; i++) await expect(client.listPlugins()).rejects.toThrow();
    expect(breaker.state).toBe('CLOSED');
  });

  it('sdm: HTML instead of the XML list opens it too (the login answers are fine)', async () => {
    const breaker = new CircuitBreaker('sdm', { failureThreshold: 2, coolDownMs: 60_000 });
    const sim = await startSdmSimulator({ stepMs: 0 });
    const client = new SdmClient(sim.config(), {
      timeoutMs: 5_000,
      breakers: { for: () => breaker },
    });
    closers.push(
      () => client.close(),
      () => sim.close(),
    );
    sim.server.inject(HTML, { match: (req) => req.path.endsWith('/admin/plugins') });
    for (let i = 0; i < 2; i++) {
      await expect(client.listPlugins()).rejects.toMatchObject({ code: 'BACKEND_BAD_RESPONSE' });
    }
    expect(breaker.state).toBe('OPEN');
    await expect(client.listPlugins()).rejects.toMatchObject({ code: 'BACKEND_CIRCUIT_OPEN' });
  });
});

describe('CircuitBreaker: an unusable answer', () => {
  it('undoes its own success: the count goes on from where that success reset it', () => {
    const b = new CircuitBreaker('hss', { failureThreshold: 3 });
    b.enter().failure();
    b.enter().failure();
    const pass = b.enter();
    pass.success();
    pass.unusable();
    expect(b.state).toBe('OPEN');
  });

  it('a real success since then stands: only the unusable one counts', () => {
    const b = new CircuitBreaker('hss', { failureThreshold: 3 });
    b.enter().failure();
    b.enter().failure();
    const late = b.enter();
    late.success();
    b.enter().success();
    late.unusable();
    expect(b.state).toBe('CLOSED');
    b.enter().failure();
    expect(b.state).toBe('CLOSED');
    b.enter().failure();
    expect(b.state).toBe('OPEN');
  });

  it('a half-open probe whose answer was unusable reopens the breaker', () => {
    let now = 0;
    const b = new CircuitBreaker('hss', { failureThreshold: 1, coolDownMs: 10, now: () => now });
    b.enter().failure();
    now = 10;
    const probe = b.enter();
    probe.success();
    expect(b.state).toBe('CLOSED');
    probe.unusable();
    expect(b.state).toBe('OPEN');
    probe.unusable(); // once only
    expect(b.state).toBe('OPEN');
  });
});
