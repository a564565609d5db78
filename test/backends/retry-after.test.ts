import { afterEach, describe, expect, it } from 'vitest';
import { VendorHttp } from '../../src/backends/http.ts';
import { retryAfterMs } from '../../src/backends/retry-after.ts';
import { type SimulatorServer, startSimulatorServer } from '../../src/backends/simulator/server.ts';

/**
 * Issue 26.8: a vendor's `Retry-After` on a 429 or 503 chooses the wait before an idempotent
 * read's retry (as undici's RetryHandler reads it), up to a bound. The waits are handed to an
 * injected sleep, which records them and returns at once: the test counts attempts and reads
 * the delay chosen, no clock involved.
 */

let server: SimulatorServer | undefined;
let http: VendorHttp | undefined;
afterEach(async () => {
  await http?.close();
  await server?.close();
  http = undefined;
  server = undefined;
});

async function start(options: Partial<ConstructorParameters<typeof VendorHttp>[0]> = {}) {
  const waits: number[] = [];
  server = await startSimulatorServer(() => ({ status: 200, body: '{}' }));
  http = new VendorHttp({
    backend: 'sdm',
    baseUrl: server.origin,
    // Far longer than any wait below, so the deadline never decides.
    timeoutMs: 600_000,
    retryBaseDelayMs: 1,
    sleep: async (ms) => {
      waits.push(ms);
    },
    ...options,
  });
  return { server, http, waits };
}

const busy = (status: number, retryAfter: string) => ({
  kind: 'status' as const,
  status,
  body: '',
  headers: { 'retry-after': retryAfter },
});

describe('Retry-After', () => {
  it('reads delay-seconds and HTTP-dates; anything else is no answer', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('2', now)).toBe(2_000);
    expect(retryAfterMs('0', now)).toBe(0);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:07 GMT', now)).toBe(7_000);
    expect(retryAfterMs('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBe(0); // already past
    expect(retryAfterMs(undefined, now)).toBeUndefined();
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs('-3', now)).toBeUndefined();
  });

  it('a 503 with Retry-After: 2 is retried after 2 s, not after the backoff', async () => {
    const { server, http, waits } = await start();
    server.inject(busy(503, '2'), { times: 1 });
    const res = await http.request({ method: 'GET', path: '/a', operation: 't' });
    expect(res.status).toBe(200);
    expect(server.count({ path: '/a' })).toBe(2);
    expect(waits).toEqual([2_000]);
  });

  it('a 429 with an HTTP-date waits until then', async () => {
    const { server, http, waits } = await start({ maxRetryAfterMs: 120_000 });
    // A minute ahead, on a whole second (an HTTP-date has no finer resolution).
    const at = new Date(Math.ceil(Date.now() / 1_000) * 1_000 + 60_000).toUTCString();
    server.inject(busy(429, at), { times: 1 });
    expect((await http.request({ method: 'GET', path: '/a', operation: 't' })).status).toBe(200);
    expect(server.count({ path: '/a' })).toBe(2);
    expect(waits).toHaveLength(1);
    // What is left of the minute: not the backoff's milliseconds.
    expect(waits[0]).toBeGreaterThan(30_000);
    expect(waits[0]).toBeLessThanOrEqual(61_000);
  });

  it('a wait past the bound is not taken: the vendor answer is given at once, one attempt', async () => {
    const { server, http, waits } = await start({ maxRetryAfterMs: 3_000 });
    server.inject(busy(503, '3600'), { times: 1 });
    const res = await http.request({ method: 'GET', path: '/a', operation: 't' });
    expect(res.status).toBe(503);
    expect(server.count({ path: '/a' })).toBe(1);
    expect(waits).toEqual([]);
  });

  it('a write is never retried, whatever Retry-After says', async () => {
    const { server, http, waits } = await start();
    server.inject(busy(503, '1'), { times: 1 });
    const res = await http.request({ method: 'POST', path: '/w', operation: 'w', body: '{}' });
    expect(res.status).toBe(503);
    expect(server.count({ path: '/w' })).toBe(1);
    expect(waits).toEqual([]);
  });

  it('without Retry-After the backoff stays: each wait within its jitter bound', async () => {
    const { server, http, waits } = await start({ retryBaseDelayMs: 100 });
    server.inject({ kind: 'status', status: 503 }, { times: 2 });
    expect((await http.request({ method: 'GET', path: '/a', operation: 't' })).status).toBe(200);
    expect(server.count({ path: '/a' })).toBe(3);
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBeLessThan(100);
    expect(waits[1]).toBeLessThan(200);
  });
});
