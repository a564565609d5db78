import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FullRuntime, startFullRuntime } from '../helpers/full-runtime.ts';

/**
 * SPEC §12: every connection over several backends reports the backends that failed in its
 * own data (`failures`), besides the GraphQL error with `partial: true`, so a client behind a
 * gateway that drops errors beside data still learns that the list is incomplete.
 */

// A runtime per test: a backend that failed its first read is what each test looks at, and an
// endpoint already read would answer from its inventory snapshot instead (src/inventory/).
let t: FullRuntime;
beforeEach(async () => {
  // Generous: no test here waits for a deadline, and a loaded machine must not fake a failure.
  t = await startFullRuntime({ backendTimeoutMs: 5_000 });
});
afterEach(() => t.close());

interface Failure {
  backend: string;
  code: string;
  message: string;
}
interface Connection {
  edges: { node: { backend: string } }[];
  failures: Failure[];
}
interface PartialError {
  message: string;
  path: (string | number)[];
  extensions: { code: string; backend: string; partial: boolean };
}

const FAILURES = 'failures { backend code message }';

describe('failures on connections over several backends', () => {
  it('is empty on every connection when nothing failed', async () => {
    const res = await t.gql<Record<'plugins' | 'hosts' | 'installations' | 'tasks', Connection>>(
      `{
        plugins { ${FAILURES} }
        hosts { ${FAILURES} }
        installations { ${FAILURES} }
        tasks { ${FAILURES} }
      }`,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({
      plugins: { failures: [] },
      hosts: { failures: [] },
      installations: { failures: [] },
      tasks: { failures: [] },
    });
  });

  it('names the failing backend with its SPEC §5 code and the GraphQL error’s message', async () => {
    t.sims.zstack.server.inject(
      { kind: 'status', status: 500 },
      { match: (r) => r.method === 'GET' },
    );
    const res = await t.post(`{ plugins(first: 100) { edges { node { backend } } ${FAILURES} } }`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: { plugins: Connection }; errors: PartialError[] };
    expect(new Set(body.data.plugins.edges.map((e) => e.node.backend))).toEqual(
      new Set(['SDM', 'HSS', 'KORAP']),
    );
    expect(body.data.plugins.failures).toEqual([
      { backend: 'ZSTACK', code: 'BACKEND_UNAVAILABLE', message: expect.any(String) },
    ]);
    // The GraphQL error stays, and both say the same thing.
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0]).toMatchObject({
      path: ['plugins'],
      extensions: { code: 'BACKEND_UNAVAILABLE', backend: 'zstack', partial: true },
    });
    expect(body.data.plugins.failures[0]?.message).toBe(body.errors[0]?.message);
  });

  it('hosts and installations report their failing backend too', async () => {
    t.sims.hss.server.inject({ kind: 'status', status: 500 }, { match: (r) => r.method === 'GET' });
    const res = await t.gql<Record<'hosts' | 'installations', Connection>>(
      `{ hosts { edges { node { backend } } ${FAILURES} }
         installations { edges { node { backend } } ${FAILURES} } }`,
    );
    for (const field of ['hosts', 'installations'] as const) {
      const connection = res.data?.[field];
      expect(
        connection?.failures.map((f) => [f.backend, f.code]),
        field,
      ).toEqual([['HSS', 'BACKEND_UNAVAILABLE']]);
      expect(
        connection?.edges.some((e) => e.node.backend === 'SDM'),
        field,
      ).toBe(true);
    }
    const partial = (res.errors ?? []) as unknown as PartialError[];
    expect(partial.map((e) => [e.path[0], e.extensions.code, e.extensions.partial]).sort()).toEqual(
      [
        ['hosts', 'BACKEND_UNAVAILABLE', true],
        ['installations', 'BACKEND_UNAVAILABLE', true],
      ],
    );
  });

  it('each field, aliased or not, carries only its own failures', async () => {
    t.sims.zstack.server.inject(
      { kind: 'status', status: 500 },
      { match: (r) => r.method === 'GET' },
    );
    const res = await t.gql<Record<'sdm' | 'all', Connection>>(
      `{ sdm: plugins(backend: SDM) { ${FAILURES} } all: plugins { ${FAILURES} } }`,
    );
    expect(res.data?.sdm.failures).toEqual([]);
    expect(res.data?.all.failures.map((f) => f.backend)).toEqual(['ZSTACK']);
  });

  it('a backend asked for but not configured is a failure coded BACKEND_NOT_CONFIGURED', async () => {
    const { korap: _korap, ...others } = t.config.backends;
    const partial = await startFullRuntime({ backends: others, backendTimeoutMs: 5_000 });
    try {
      const res = await partial.gql<{ plugins: Connection }>(
        `{ plugins(backend: KORAP) { ${FAILURES} } }`,
      );
      expect(res.data?.plugins.failures).toEqual([
        { backend: 'KORAP', code: 'BACKEND_NOT_CONFIGURED', message: expect.any(String) },
      ]);
      expect(res.errors?.[0]?.extensions).toMatchObject({
        code: 'BACKEND_NOT_CONFIGURED',
        partial: true,
      });
    } finally {
      await partial.close();
    }
  });
});
