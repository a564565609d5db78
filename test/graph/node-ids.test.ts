import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMIT_EXCEEDED, LIMITS } from '../../src/guards/limits.ts';
import { type FullRuntime, globalId, startFullRuntime } from '../helpers/full-runtime.ts';

/**
 * SPEC §12 and Relay's convention: `node(id)` of a well-formed unknown id is null with no error
 * and no log line; a malformed id is an error coded INVALID_ID on that item only, echoing at
 * most 64 characters of it; `nodes` takes at most LIMITS.maxNodes ids.
 */
let t: FullRuntime;
beforeAll(async () => {
  t = await startFullRuntime();
});
afterAll(() => t.close());

interface LogLine {
  level: number;
  msg: string;
}

/** Log lines at info or above that a request wrote, beside its one `graphql request` line. */
async function loggedBy<T>(run: () => Promise<T>): Promise<{ result: T; lines: LogLine[] }> {
  const from = t.logs.length;
  const result = await run();
  const lines = t.logs
    .slice(from)
    .map((line) => JSON.parse(line) as LogLine)
    .filter((line) => line.level >= 30 && line.msg !== 'graphql request');
  return { result, lines };
}

const PLUGIN_ID7 = globalId('Plugin', 'sdm:ID7');
const HOST_36 = globalId('Host', 'sdm:10.5.5.36');

/** Well-formed global ids that name nothing this graph has. */
const UNKNOWN = [
  globalId('Plugin', 'sdm:ID404'), // known type and backend, no such plugin
  globalId('Plugin', 'nobackend:ID7'), // no such backend
  globalId('Host', 'hss:no-such-host'),
  globalId('Installation', 'sdm:ID404@10.5.5.36'),
  globalId('Task', 'no-such-task'),
  globalId('Update', 'appliance:0.0.0.0'),
  globalId('Spaceship', 'sdm:ID7'), // no such type
  globalId('PageInfo', 'sdm:ID7'), // a type, but not a Node
  globalId('Plugin', 'sdm:../../admin'), // a native id no vendor would issue
];

describe('node(id)', () => {
  it('a well-formed unknown id is null, with no error and no log line', async () => {
    for (const id of UNKNOWN) {
      const { result, lines } = await loggedBy(() =>
        t.gql<{ node: unknown }>('query($id: ID!) { node(id: $id) { id } }', { id }),
      );
      expect({ id, data: result.data, errors: result.errors }).toEqual({
        id,
        data: { node: null },
        errors: undefined,
      });
      expect(lines).toEqual([]);
    }
  });

  it('a malformed id is an error coded INVALID_ID that echoes at most 64 characters of it', async () => {
    const huge = `not a global id ${'x'.repeat(10_000)}`;
    for (const id of ['x', 'sdm:ID7', 'ID7', '!!!', globalId('', 'sdm:ID7'), huge]) {
      const { result, lines } = await loggedBy(() =>
        t.gql<{ node: unknown }>('query($id: ID!) { node(id: $id) { id } }', { id }),
      );
      expect(result.data).toEqual({ node: null });
      expect(result.errors).toHaveLength(1);
      expect(result.errors?.[0]?.extensions?.code).toBe('INVALID_ID');
      expect(result.errors?.[0]?.path).toEqual(['node']);
      expect(lines).toEqual([]);
    }
    const res = await t.gql('query($id: ID!) { node(id: $id) { id } }', { id: huge });
    const message = res.errors?.[0]?.message ?? '';
    expect(message).toContain(huge.slice(0, 64));
    expect(message).not.toContain(huge.slice(0, 65));
    expect(message.length).toBeLessThan(200);
  });
});

describe('nodes(ids)', () => {
  it('unknown ids are null items with no error and no log line', async () => {
    const ids = Array.from({ length: LIMITS.maxNodes }, (_, i) =>
      i % 2 ? globalId('Plugin', `sdm:ID${1000 + i}`) : UNKNOWN[i % UNKNOWN.length],
    );
    ids[0] = PLUGIN_ID7;
    const { result, lines } = await loggedBy(() =>
      t.gql<{ nodes: ({ id: string } | null)[] }>(
        'query($ids: [ID!]!) { nodes(ids: $ids) { id } }',
        { ids },
      ),
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.nodes).toEqual([{ id: PLUGIN_ID7 }, ...ids.slice(1).map(() => null)]);
    expect(lines).toEqual([]);
  });

  it('a malformed id nulls only its own item, with INVALID_ID at its path', async () => {
    const ids = [PLUGIN_ID7, 'garbage', UNKNOWN[0], HOST_36, 'x'.repeat(10_000)];
    const res = await t.gql<{ nodes: ({ id: string } | null)[] }>(
      'query($ids: [ID!]!) { nodes(ids: $ids) { id } }',
      { ids },
    );
    expect(res.data?.nodes).toEqual([{ id: PLUGIN_ID7 }, null, null, { id: HOST_36 }, null]);
    expect(res.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([
      [['nodes', 1], 'INVALID_ID'],
      [['nodes', 4], 'INVALID_ID'],
    ]);
    expect(res.errors?.[1]?.message).not.toContain('x'.repeat(65));
  });

  it('a failing backend is a coded error on its own items; the others still resolve', async () => {
    t.sims.zstack.server.inject(
      { kind: 'status', status: 500 },
      { match: (r) => r.method === 'GET' },
    );
    try {
      const zstackId = globalId('Plugin', 'zstack:e90949fe5ddd3e68a4646b97b812f905');
      const res = await t.gql<{ nodes: ({ id: string } | null)[] }>(
        'query($ids: [ID!]!) { nodes(ids: $ids) { id } }',
        { ids: [zstackId, PLUGIN_ID7] },
      );
      expect(res.data?.nodes).toEqual([null, { id: PLUGIN_ID7 }]);
      expect(res.errors?.map((e) => [e.path, e.extensions?.code, e.extensions?.backend])).toEqual([
        [['nodes', 0], 'BACKEND_UNAVAILABLE', 'zstack'],
      ]);
    } finally {
      t.sims.zstack.server.clearFaults();
    }
  });

  it(`takes at most ${LIMITS.maxNodes} ids: more is refused with a coded error before any backend call`, async () => {
    t.clearLogs();
    const ids = Array.from({ length: 5_000 }, (_, i) => globalId('Plugin', `sdm:ID${i}`));
    const { result, lines } = await loggedBy(() =>
      t.gql('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids }),
    );
    expect(result.data ?? null).toBeNull();
    expect(result.errors).toHaveLength(1);
    expect(result.errors?.[0]?.extensions).toMatchObject({
      code: LIMIT_EXCEEDED,
      limit: 'maxNodes',
    });
    expect(lines).toEqual([]);
    expect(t.sims.sdm.server.requests).toEqual([]);
    const atTheCap = await t.gql('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', {
      ids: ids.slice(0, LIMITS.maxNodes),
    });
    expect(atTheCap.errors).toBeUndefined();
  });
});

describe('_entities', () => {
  it('a representation of an unknown __typename, or of a type that is no entity, nulls only itself', async () => {
    const representations = [
      { __typename: 'Spaceship', id: PLUGIN_ID7 },
      { __typename: 'Plugin', id: PLUGIN_ID7 },
      { __typename: 'Update', id: globalId('Update', 'appliance:9.0.3.0') },
      { __typename: 'Task', id: 'not-a-global-id' },
      { __typename: 'Task', id: globalId('Task', 'no-such-task') },
      { __typename: 'Host', id: HOST_36 },
    ];
    const { result, lines } = await loggedBy(() =>
      t.gql<{ _entities: ({ id: string } | null)[] }>(
        'query($r: [_Any!]!) { _entities(representations: $r) { ... on Plugin { id } ... on Host { id } } }',
        { r: representations },
      ),
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?._entities).toEqual([
      null,
      { id: PLUGIN_ID7 },
      null,
      null,
      null,
      { id: HOST_36 },
    ]);
    expect(lines).toEqual([]);
  });
});
