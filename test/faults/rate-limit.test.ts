import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimRequest } from '../../src/backends/simulator/server.ts';
import { type FullRuntime, startFullRuntime } from '../helpers/full-runtime.ts';

/**
 * Issue 28 (small points), as a client of the graph meets it: a vendor that answers a read 429
 * asking for a wait past BACKEND_TIMEOUT_MS is reported at once as that backend's
 * BACKEND_UNAVAILABLE, after one request, never as "Unexpected error." (an SDM or ZStack 429 was
 * a vendor refusal, masked in a list) nor as an unreadable answer (KorAP). The retry after a
 * wait within the deadline is test/backends/rate-limit.test.ts's.
 */

let t: FullRuntime;
beforeAll(async () => {
  t = await startFullRuntime({ backendTimeoutMs: 10_000 });
});
afterAll(() => t.close());

const LIST_READS: Record<string, (r: SimRequest) => boolean> = {
  sdm: (r) => r.method === 'GET' && r.path.endsWith('/admin/plugins'),
  zstack: (r) => r.method === 'GET' && r.path.endsWith('/external/plugins'),
  hss: (r) => r.method === 'GET' && r.path.endsWith('/plugins'),
  korap: (r) => r.path.endsWith('/plugins'),
};

const tooMany = { kind: 'status', status: 429, body: '', headers: { 'retry-after': '3600' } };

describe('a vendor answering 429 with a Retry-After past the deadline', () => {
  it.each(Object.keys(LIST_READS))(
    '%s: plugins names it BACKEND_UNAVAILABLE, one request',
    async (name) => {
      const backend = name as keyof typeof LIST_READS & keyof FullRuntime['sims'];
      const isRead = LIST_READS[backend] as (r: SimRequest) => boolean;
      const sim = t.sims[backend].server;
      sim.inject({ ...tooMany, kind: 'status' }, { times: 1, match: isRead });
      const res = await t.gql<{ plugins: { failures: { code: string; message: string }[] } }>(
        `{ plugins(backend: ${backend.toUpperCase()}, first: 1) { failures { code message } } }`,
      );
      expect(res.data?.plugins.failures).toEqual([
        {
          code: 'BACKEND_UNAVAILABLE',
          message: expect.stringContaining('HTTP 429 and asked for a wait of 3600 s'),
        },
      ]);
      expect(res.errors?.map((e) => e.extensions?.code)).toEqual(['BACKEND_UNAVAILABLE']);
      expect(sim.requests.filter(isRead)).toHaveLength(1);
    },
  );

  it('appliance: updates is BACKEND_UNAVAILABLE, one retrieve-updates', async () => {
    const sim = t.sims.appliance.server;
    const retrieve = (r: SimRequest) => r.path.endsWith('/actions/retrieve-updates');
    sim.inject({ ...tooMany, kind: 'status' }, { times: 1, match: retrieve });
    const res = await t.gql('{ updates(endpoint: "appliance") { version } }');
    expect(res.errors).toEqual([
      expect.objectContaining({
        path: ['updates'],
        message: expect.stringContaining('HTTP 429 and asked for a wait of 3600 s'),
        extensions: expect.objectContaining({ code: 'BACKEND_UNAVAILABLE', backend: 'appliance' }),
      }),
    ]);
    expect(sim.requests.filter(retrieve)).toHaveLength(1);
  });
});
