import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FullRuntime, startFullRuntime } from '../helpers/full-runtime.ts';

/**
 * Issue 28 (small points): an empty page's cursors are null, as Relay's cursor spec has them,
 * on every connection of the schema. Pothos answered `""` (cursor pages) or a cursor of no item
 * (offset pages), and Relay's ConnectionHandler then replaced the last good `endCursor` with it.
 * The connections are found by introspection, so one added later is held to it too.
 */

let t: FullRuntime;
beforeAll(async () => {
  t = await startFullRuntime({ backendTimeoutMs: 5_000 });
});
afterAll(() => t.close());

interface TypeRef {
  readonly kind: string;
  readonly name: string | null;
  readonly ofType: TypeRef | null;
}
interface FieldInfo {
  readonly name: string;
  readonly type: TypeRef;
  readonly args: readonly { readonly name: string }[];
}
interface TypeInfo {
  readonly name: string;
  readonly fields: readonly FieldInfo[] | null;
}

const named = (type: TypeRef): string => (type.ofType ? named(type.ofType) : (type.name ?? ''));

/** Every field with Relay's paging arguments and a `pageInfo`: `[owner type, field]`. */
async function connectionFields(): Promise<{ owner: string; field: string; node: string }[]> {
  const ref = 'kind name ofType { kind name ofType { kind name ofType { kind name } } }';
  const res = await t.gql<{ __schema: { types: TypeInfo[] } }>(
    `{ __schema { types { name fields { name args { name } type { ${ref} } } } } }`,
  );
  expect(res.errors).toBeUndefined();
  const types = new Map(res.data!.__schema.types.map((type) => [type.name, type]));
  const found: { owner: string; field: string; node: string }[] = [];
  for (const type of types.values()) {
    if (type.name.startsWith('__')) continue;
    for (const field of type.fields ?? []) {
      const connection = types.get(named(field.type));
      const paged = ['first', 'after', 'last', 'before'].every((a) =>
        field.args.some((arg) => arg.name === a),
      );
      const edges = connection?.fields?.find((f) => f.name === 'edges');
      if (!paged || !connection?.fields?.some((f) => f.name === 'pageInfo') || !edges) continue;
      const edge = types.get(named(edges.type));
      const node = edge?.fields?.find((f) => f.name === 'node');
      found.push({ owner: type.name, field: field.name, node: node ? named(node.type) : '' });
    }
  }
  return found;
}

type Page = {
  edges: { cursor: string }[];
  pageInfo: {
    hasNextPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
};

const PAGE = 'edges { cursor } pageInfo { hasNextPage startCursor endCursor }';

describe('an empty page', () => {
  it('has null startCursor and endCursor on every connection, first: 0 and past the end alike', async () => {
    // One task and one audit entry, so tasks and auditLog have an end to page past.
    const launched = await t.gql(
      'mutation { installUpdate(input: { endpoint: "appliance", version: "9.0.3.0" }) { __typename } }',
    );
    expect(launched.errors).toBeUndefined();
    // And one planned rollout, so rollouts and Rollout.units have an end too.
    const planned = await t.gql(
      'mutation { startRollout(input: { action: { refreshPluginDrivers: {} }, dryRun: true }) { __typename } }',
    );
    expect(planned.errors).toBeUndefined();

    const fields = await connectionFields();
    const names = fields.map((f) => `${f.owner}.${f.field}`);
    // The walk found the schema's connections (the ones known today, at least).
    expect(names).toEqual(
      expect.arrayContaining([
        'Query.plugins',
        'Query.hosts',
        'Query.installations',
        'Query.tasks',
        'Query.auditLog',
        'Plugin.installations',
        'Host.installations',
      ]),
    );

    /** The document reaching `field` of `owner`: at the root, or inside a root list's first node. */
    const wrap = (owner: string, inner: string): { query: string; path: string[] } => {
      if (owner === 'Query') return { query: `{ ${inner} }`, path: [] };
      const parent = fields.find((f) => f.owner === 'Query' && f.node === owner);
      if (!parent) throw new Error(`no root connection lists ${owner}`);
      return {
        query: `{ ${parent.field}(first: 1) { edges { node { ${inner} } } } }`,
        path: [parent.field, 'edges', '0', 'node'],
      };
    };
    const pageOf = async (owner: string, field: string, args: string): Promise<Page> => {
      const { query, path } = wrap(owner, `${field}(${args}) { ${PAGE} }`);
      const res = await t.gql(query);
      expect(res.errors, `${owner}.${field}(${args})`).toBeUndefined();
      let at: unknown = res.data;
      for (const key of [...path, field]) at = (at as Record<string, unknown>)[key];
      return at as Page;
    };

    const checked: string[] = [];
    const wrong: string[] = [];
    for (const { owner, field } of fields) {
      const cases = ['first: 0'];
      const whole = await pageOf(owner, field, 'first: 100');
      if (whole.edges.length > 0 && !whole.pageInfo.hasNextPage)
        cases.push(`first: 10, after: ${JSON.stringify(whole.pageInfo.endCursor)}`);
      else if (whole.edges.length === 0) cases.push('first: 100');
      for (const args of cases) {
        const page = await pageOf(owner, field, args);
        const name = `${owner}.${field}(${args.replace(/after: .*/, 'after: <end>')})`;
        expect(page.edges, name).toEqual([]);
        const { startCursor, endCursor } = page.pageInfo;
        if (startCursor !== null || endCursor !== null)
          wrong.push(`${name}: ${JSON.stringify({ startCursor, endCursor })}`);
        checked.push(name);
      }
    }
    expect(wrong).toEqual([]);
    // Past the end of every list that has items, tasks and the audit trail included.
    for (const list of ['plugins', 'hosts', 'installations', 'tasks', 'auditLog'])
      expect(checked).toContain(`Query.${list}(first: 10, after: <end>)`);
  });

  it('a page with edges keeps its cursors: the first and the last edge', async () => {
    const res = await t.gql<{ plugins: Page }>(`{ plugins(first: 3) { ${PAGE} } }`);
    const page = res.data!.plugins;
    expect(page.edges).toHaveLength(3);
    expect(page.pageInfo.startCursor).toBe(page.edges[0]?.cursor);
    expect(page.pageInfo.endCursor).toBe(page.edges[2]?.cursor);
  });
});
