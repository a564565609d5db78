import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VendorHttp } from '../../src/backends/http.ts';
import { empty } from '../../src/backends/simulator/router.ts';
import {
  type Fault,
  type SimulatorServer,
  startSimulatorServer,
} from '../../src/backends/simulator/server.ts';
import { BackendRejectedError } from '../../src/domain/errors.ts';
import { VendorWrite } from '../../src/tasks/vendor-write.ts';

/**
 * Issue 26.1: a launch's write is judged by what its own request went through (http.ts tells the
 * VendorWrite): refused before anything was sent, or answered a refusal, the vendor did not act;
 * cut off, never answered, or answered in a form we cannot read after it was sent, it may have.
 */

let server: SimulatorServer;
beforeAll(async () => {
  server = await startSimulatorServer(() => empty(202));
});
afterAll(() => server.close());

/** One write through a fresh VendorHttp; what the VendorWrite then says of the failure. */
async function judge(baseUrl: string, fault?: Fault): Promise<{ mayHaveActed: boolean }> {
  server.clearFaults();
  if (fault) server.inject(fault, { times: 1 });
  const http = new VendorHttp({ backend: 'sdm', baseUrl, timeoutMs: 300 });
  const write = new VendorWrite();
  try {
    const res = await http.request({ method: 'POST', path: '/w', operation: 'write', write });
    // What a client makes of an answer that is not its success.
    const err =
      res.status === 202
        ? undefined
        : res.status < 500
          ? new BackendRejectedError('refused', 'sdm', undefined, res.status)
          : new Error(`HTTP ${res.status}`);
    return { mayHaveActed: err !== undefined && write.mayHaveActed(err) };
  } catch (err) {
    return { mayHaveActed: write.mayHaveActed(err) };
  } finally {
    await http.close();
  }
}

describe('what a failed write may have done', () => {
  it('a connection refused: nothing was sent', async () => {
    const closed = await startSimulatorServer(() => empty(200));
    const url = closed.origin;
    await closed.close();
    expect(await judge(url)).toEqual({ mayHaveActed: false });
  });

  it.each([400, 409, 429, 503])('answered %s: a refusal', async (status) => {
    expect(await judge(server.origin, { kind: 'status', status })).toEqual({
      mayHaveActed: false,
    });
  });

  it.each<[string, Fault]>([
    ['never answered', { kind: 'hang' }],
    ['the connection cut', { kind: 'drop' }],
    ['acted, then never answered', { kind: 'acted', lost: 'hang' }],
    ['acted, then the connection cut', { kind: 'acted', lost: 'drop' }],
    ['answered 500', { kind: 'status', status: 500 }],
    ['answered 504', { kind: 'status', status: 504 }],
  ])('%s: it may have acted', async (_name, fault) => {
    expect(await judge(server.origin, fault)).toEqual({ mayHaveActed: true });
  });

  it('acted, then an HTML page with 200: accepted, whatever failed after', () => {
    const write = new VendorWrite();
    write.answered(200);
    expect(write.mayHaveActed(new Error('unexpected body'))).toBe(true);
  });

  it('a 5xx the client read as a refusal (a DomainError) did not act', () => {
    const write = new VendorWrite();
    write.answered(500);
    expect(write.mayHaveActed(new BackendRejectedError('no', 'zstack', 'SYS.1007', 500))).toBe(
      false,
    );
  });

  it('a session refused (401), then the write again, cut off: it may have acted', () => {
    const write = new VendorWrite();
    write.answered(401);
    write.lost();
    expect(write.mayHaveActed(new Error('timeout'))).toBe(true);
  });
});
