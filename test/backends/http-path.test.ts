import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BackendError } from '../../src/backends/errors.ts';
import { hasUnsafeSegment, VendorHttp } from '../../src/backends/http.ts';
import { SdmClient } from '../../src/backends/sdm/client.ts';
import { type SdmSimulator, startSdmSimulator } from '../../src/backends/sdm/simulator.ts';

/**
 * The last line of defence behind the vendor id grammars: http.ts refuses a path with an empty,
 * `.` or `..` segment (plain or percent-encoded) before anything goes on the wire.
 */

let sim: SdmSimulator;
let http: VendorHttp;
beforeAll(async () => {
  sim = await startSdmSimulator({ stepMs: 0 });
  http = new VendorHttp({ backend: 'sdm', baseUrl: `${sim.url}/v1.3`, timeoutMs: 1_000 });
});
afterAll(async () => {
  await http.close();
  await sim.close();
});
beforeEach(() => sim.server.clearLog());

const UNSAFE = [
  '/admin/plugins/../action',
  '/admin/plugins/./action',
  '/admin/plugins//action',
  '/admin/plugins/',
  '/admin/plugins/%2e%2e/action',
  '/admin/plugins/%2E%2E/action',
  '/admin/plugins/.%2e/action',
  '/admin/plugins/%2e/action',
  '/admin/plugins/%252e%252e/action',
  '/admin/plugins/..%2faction',
  '/admin/plugins/..%5Caction',
  '/admin/plugins/%2F/action',
  '..',
  '',
];

describe('paths with an empty, "." or ".." segment', () => {
  it.each(UNSAFE)('%j is refused with BACKEND_UNSAFE_PATH and never sent', async (path) => {
    const err = await http
      .request({ method: 'POST', path, body: '<x/>', operation: 'performPluginAction' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect(err).toMatchObject({ code: 'BACKEND_UNSAFE_PATH', backend: 'sdm' });
    expect(sim.server.count()).toBe(0);
  });

  it('ordinary vendor paths pass, dots inside a segment included', async () => {
    for (const path of [
      '/admin/plugins/ID7/action',
      '/v5/0a1b2c3d/plugins/attachments/start',
      '/appliance/update-manager/updates/9.0.3.0/actions/install',
      '/v1/external/plugins/e90949fe5ddd3e68a4646b97b812f905',
      '/admin/plugins/..x/action',
      '/admin/plugins/a%20b',
    ]) {
      expect(hasUnsafeSegment(path), path).toBe(false);
    }
    const res = await http.request({ method: 'GET', path: '/admin/plugins', operation: 'list' });
    expect(res.status).toBe(401); // it reached the simulator (no session): the rig itself works
    expect(sim.server.count()).toBe(1);
  });

  it('a client handed a dot-dot id past every grammar still sends no vendor write', async () => {
    const client = new SdmClient(sim.config(), { timeoutMs: 1_000 });
    try {
      await expect(client.startAction('..', 'install')).rejects.toMatchObject({
        code: 'BACKEND_UNSAFE_PATH',
      });
      await expect(client.getPlugin('')).rejects.toMatchObject({ code: 'BACKEND_UNSAFE_PATH' });
      expect(sim.server.count({ path: /\/plugins\// })).toBe(0);
      expect(sim.server.requests.every((r) => !r.path.includes('/plugins/'))).toBe(true);
    } finally {
      await client.close();
    }
  });
});
