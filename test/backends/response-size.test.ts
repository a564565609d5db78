import { afterEach, describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/backends/breaker.ts';
import { VendorHttp } from '../../src/backends/http.ts';
import { type SimulatorServer, startSimulatorServer } from '../../src/backends/simulator/server.ts';
import { loadConfig } from '../../src/config/index.ts';
import { DEFAULT_MAX_RESPONSE_BYTES } from '../../src/config/server-variables.ts';

/**
 * Issue 26.3: a vendor answer past BACKEND_MAX_RESPONSE_BYTES is refused, BACKEND_BAD_RESPONSE,
 * without being read: the client stops reading and closes the connection. What the simulator got
 * out of the answer before the client left (server.oversized) tells, not the time it took.
 */

const MB = 1024 * 1024;

let server: SimulatorServer | undefined;
let http: VendorHttp | undefined;
afterEach(async () => {
  await http?.close();
  await server?.close();
  http = undefined;
  server = undefined;
});

async function start(options: Partial<ConstructorParameters<typeof VendorHttp>[0]> = {}) {
  server = await startSimulatorServer(() => ({ status: 200, body: '{"ok":true}' }));
  http = new VendorHttp({ backend: 'hss', baseUrl: server.origin, timeoutMs: 30_000, ...options });
  return { server, http };
}

const get = (h: VendorHttp) =>
  h.request({ method: 'GET', path: '/list', operation: 'ListPlugins' });

/** The error code a call ended with, or `read` when it was answered (its body kept out of reports). */
async function outcome(h: VendorHttp): Promise<string> {
  return get(h).then(
    () => 'read',
    (err: unknown) => String((err as { code?: unknown }).code),
  );
}

describe('BACKEND_MAX_RESPONSE_BYTES', () => {
  it('defaults to 16 MiB (SPEC §2) and is a documented variable', () => {
    expect(DEFAULT_MAX_RESPONSE_BYTES).toBe(16 * MB);
    expect(loadConfig({ PLUGIN_GRAPH_AUTH: 'none' }).backendMaxResponseBytes).toBe(16 * MB);
    const config = loadConfig({ PLUGIN_GRAPH_AUTH: 'none', BACKEND_MAX_RESPONSE_BYTES: '1048576' });
    expect(config.backendMaxResponseBytes).toBe(MB);
  });

  it('a 100 MB body without Content-Length: BACKEND_BAD_RESPONSE, the client stops reading', async () => {
    const { server, http } = await start();
    server.inject({ kind: 'oversized', bytes: 100 * MB, declareLength: false }, { times: 1 });
    expect(await outcome(http)).toBe('BACKEND_BAD_RESPONSE');
    const [answer] = server.oversized;
    await answer?.done; // the connection closed: the client left
    expect(answer?.complete).toBe(false);
    // What the client read is capped; what sits in socket buffers is the rest of the difference.
    expect(answer?.written).toBeLessThan(50 * MB);
    // The pool goes on: the next answer is read as usual, and a read is never retried for size.
    expect((await get(http)).status).toBe(200);
    expect(server.count({ path: '/list' })).toBe(2);
  });

  it('a Content-Length over the cap is refused on the headers alone: no body byte is waited for', async () => {
    // The answer sends its headers and then nothing: a client that waited for the body would end
    // in BACKEND_TIMEOUT, not BACKEND_BAD_RESPONSE.
    const { server, http } = await start({ maxResponseBytes: MB, timeoutMs: 5_000 });
    server.inject({ kind: 'oversized', bytes: 2 * MB, stall: true }, { times: 1 });
    expect(await outcome(http)).toBe('BACKEND_BAD_RESPONSE');
    const [answer] = server.oversized;
    await answer?.done;
    expect(answer?.written).toBe(0);
  });

  it('an answer at the cap is read; one byte more is not; either way the breaker hears of it', async () => {
    const breaker = new CircuitBreaker('hss', { failureThreshold: 2 });
    const { server, http } = await start({ maxResponseBytes: MB, breaker });
    server.inject({ kind: 'oversized', bytes: MB, declareLength: false }, { times: 1 });
    const whole = await get(http);
    expect(whole.body.length).toBe(MB);
    server.inject({ kind: 'oversized', bytes: MB + 1, declareLength: false }, { times: 2 });
    expect(await outcome(http)).toBe('BACKEND_BAD_RESPONSE');
    expect(breaker.state).toBe('CLOSED');
    expect(await outcome(http)).toBe('BACKEND_BAD_RESPONSE');
    expect(breaker.state).toBe('OPEN');
  });
});
