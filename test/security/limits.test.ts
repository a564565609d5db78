import {
  type GraphQLError,
  getIntrospectionQuery,
  Kind,
  type OperationDefinitionNode,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMIT_EXCEEDED, LIMITS } from '../../src/guards/limits.ts';
import { GRAPHIQL_EXAMPLES } from '../../src/schema/examples.ts';
import { startTestRuntime, type TestRuntime } from '../helpers/runtime.ts';

interface Body {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string; limit?: string } }[];
}

let t: TestRuntime;
beforeAll(async () => {
  t = await startTestRuntime();
});
afterAll(() => t.close());

const fetchApp = (path: string, init: RequestInit = {}) =>
  t.runtime.app.fetch(`http://localhost${path}`, init);
const postJson = (body: unknown, headers: Record<string, string> = {}) =>
  fetchApp('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: JSON.stringify(body),
  });

/** Parse and validate only, through the app's own envelop (its parser and validation rules). */
function check(document: string): readonly GraphQLError[] {
  const { parse, validate, schema } = t.runtime.app.getEnveloped({});
  let doc: ReturnType<typeof parse>;
  try {
    doc = parse(document);
  } catch (err) {
    return [err as GraphQLError];
  }
  try {
    return validate(schema, doc);
  } catch (err) {
    return [err as GraphQLError];
  }
}

async function refusedBy(query: string): Promise<string | undefined> {
  const body = (await (await postJson({ query })).json()) as Body;
  expect(body.data ?? null).toBeNull();
  const error = body.errors?.[0];
  expect(error?.extensions?.code).toBe(LIMIT_EXCEEDED);
  return error?.extensions?.limit;
}

describe('documents that must pass', () => {
  it('every GraphiQL example operation passes every limit', () => {
    expect(check(GRAPHIQL_EXAMPLES).map((e) => e.message)).toEqual([]);
    const ops = (
      t.runtime.app.getEnveloped({}).parse(GRAPHIQL_EXAMPLES)
        .definitions as OperationDefinitionNode[]
    ).filter((d) => d.kind === Kind.OPERATION_DEFINITION);
    expect(ops.length).toBeGreaterThan(3);
  });

  it("GraphiQL's own introspection query passes", () => {
    expect(check(getIntrospectionQuery()).map((e) => e.message)).toEqual([]);
  });

  it('federation _entities with 100 representations passes and resolves', async () => {
    const representations = Array.from({ length: 100 }, (_, i) => ({
      __typename: 'Plugin',
      id: Buffer.from(`Plugin:sdm:ID${i}`).toString('base64'),
    }));
    const query = `query($r: [_Any!]!) { _entities(representations: $r) {
      __typename
      ... on Plugin { id name version status vendorStatus installations { edges { node { id status progress host { id name address status } } } } }
    } }`;
    expect(check(query).map((e) => e.message)).toEqual([]);
    const res = await postJson({ query, variables: { r: representations } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Body;
    for (const e of body.errors ?? []) expect(e.extensions?.code).not.toBe(LIMIT_EXCEEDED);
    expect(body.data?._entities).toHaveLength(100);
  });

  it('a page of 100 plugins with installations and hosts passes', () => {
    const query = `{ plugins(first: 100) { edges { cursor node { id backend nativeId name description version vendor status vendorStatus
      installations { edges { node { id status vendorStatus progress installedAt updatedAt host { id name address status } } } } } }
      pageInfo { hasNextPage endCursor } } }`;
    expect(check(query).map((e) => e.message)).toEqual([]);
  });
});

describe('abusive documents are refused before execution, with a code', () => {
  it(`depth over ${LIMITS.maxDepth}`, async () => {
    let selection = 'id';
    for (let i = 0; i < 3; i++)
      selection = `installations { edges { node { plugin { ${selection} } } } }`;
    expect(await refusedBy(`{ plugins(first: 1) { edges { node { ${selection} } } } }`)).toBe(
      'maxDepth',
    );
  });

  it(`more than ${LIMITS.maxAliases} aliases`, async () => {
    const aliases = Array.from(
      { length: LIMITS.maxAliases + 1 },
      (_, i) => `a${i}: backends { backend }`,
    );
    expect(await refusedBy(`{ ${aliases.join(' ')} }`)).toBe('maxAliases');
  });

  it(`more than ${LIMITS.maxTokens} tokens`, async () => {
    const fields = Array.from({ length: LIMITS.maxTokens }, () => 'backend').join(' ');
    expect(await refusedBy(`{ backends { ${fields} } }`)).toBe('maxTokens');
  });

  it(`more than ${LIMITS.maxDirectives} directives`, async () => {
    const directives = Array.from({ length: LIMITS.maxDirectives + 1 }, () => '@include(if: true)');
    expect(await refusedBy(`{ backends { backend ${directives.join(' ')} } }`)).toBe(
      'maxDirectives',
    );
  });

  it('one field selected 300 times (`{ backends { backend } backends { backend } … }`)', async () => {
    // graphql-js merges them into one execution, but validation compares every pair: ~200 ms of
    // CPU. Refused before validation, with no backend call.
    const sent = t.appliance.server.count();
    const query = `{ ${Array.from({ length: 300 }, () => 'backends { backend }').join(' ')} }`;
    expect(await refusedBy(query)).toBe('maxFieldRepeats');
    expect(t.appliance.server.count()).toBe(sent);
  });

  it(`a field repeated ${LIMITS.maxFieldRepeats + 1} times through inline fragments and fragments`, async () => {
    const inline = Array.from(
      { length: LIMITS.maxFieldRepeats },
      () => '... on Query { backends { backend } }',
    );
    expect(await refusedBy(`{ backends { backend } ${inline.join(' ')} }`)).toBe('maxFieldRepeats');
    const fragments = Array.from(
      { length: LIMITS.maxFieldRepeats + 1 },
      (_, i) => `fragment F${i} on Query { backends { backend } }`,
    );
    const spreads = fragments.map((_, i) => `...F${i}`).join(' ');
    expect(await refusedBy(`{ ${spreads} } ${fragments.join(' ')}`)).toBe('maxFieldRepeats');
    // One fragment spread many times is taken once, as graphql-js takes it: that passes.
    const once = Array.from({ length: 20 }, () => '...F').join(' ');
    expect(check(`{ ${once} } fragment F on Query { backends { backend } }`)).toEqual([]);
  });

  it(`cost over ${LIMITS.maxCost}`, async () => {
    // The 100-plugin page above costs ~24k; five times the page size is over the limit.
    const query = `{ plugins(first: 500) { edges { cursor node { id backend nativeId name description version vendor status vendorStatus
      installations { edges { node { id status vendorStatus progress installedAt updatedAt host { id name address status } } } } } } } }`;
    expect(await refusedBy(query)).toBe('maxCost');
  });

  it(`a body over ${LIMITS.maxRequestBodyBytes} bytes: 413`, async () => {
    const query = `{ backends { backend } } # ${'x'.repeat(LIMITS.maxRequestBodyBytes)}`;
    const res = await postJson({ query });
    expect(res.status).toBe(413);
  });
});

describe('HTTP method and CSRF rules', () => {
  const get = (query: string, headers: Record<string, string> = {}) =>
    fetchApp(`/graphql?query=${encodeURIComponent(query)}`, {
      headers: { accept: 'application/graphql-response+json', ...headers },
    });

  it('a mutation over GET: 405', async () => {
    const res = await get(
      'mutation { installUpdate(input: { version: "9.0.3.0" }) { __typename } }',
      {
        'x-graphql-yoga-csrf': '1',
      },
    );
    expect(res.status).toBe(405);
    expect(t.appliance.server.count({ path: /\/actions\/install$/ })).toBe(0);
  });

  it('a form POST without a CSRF header: 403 CSRF_REQUIRED; a GET query needs none', async () => {
    expect((await get('{ backends { backend } }')).status).toBe(200);
    const form = await fetchApp('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `query=${encodeURIComponent('{ backends { backend } }')}`,
    });
    expect(form.status).toBe(403);
    expect(((await form.json()) as Body).errors?.[0]?.extensions?.code).toBe('CSRF_REQUIRED');
  });

  it('GET queries with a CSRF header or a bearer token pass; JSON POSTs need none', async () => {
    expect((await get('{ backends { backend } }', { 'x-graphql-yoga-csrf': '1' })).status).toBe(
      200,
    );
    expect((await get('{ backends { backend } }', { authorization: 'Bearer x' })).status).toBe(200);
    expect((await postJson({ query: '{ backends { backend } }' })).status).toBe(200);
  });
});

describe('introspection switch (PLUGIN_GRAPH_INTROSPECTION)', () => {
  it('on by default', async () => {
    const body = (await (
      await postJson({ query: '{ __schema { queryType { name } } }' })
    ).json()) as Body;
    expect(body.errors).toBeUndefined();
  });

  it('off: __schema is refused and field suggestions are not given', async () => {
    const closed = await startTestRuntime({ config: { introspection: false } });
    try {
      const body = await closed.gql('{ __schema { queryType { name } } }');
      expect(body.errors?.[0]?.message).toMatch(/introspection/i);
      const typo = await closed.gql('{ backendz { backend } }');
      expect(typo.errors?.[0]?.message).not.toMatch(/Did you mean/);
      // Still a working graph.
      expect((await closed.gql('{ backends { backend } }')).errors).toBeUndefined();
    } finally {
      await closed.close();
    }
  });

  // Each misspells a name; `hint` is the name graphql-js would suggest, which must not show.
  const typos: {
    name: string;
    query: string;
    variables?: Record<string, unknown>;
    hint: string;
  }[] = [
    { name: 'enum literal', query: '{ plugins(backend: SDN) { edges { cursor } } }', hint: 'SDM' },
    {
      name: 'enum variable',
      query: 'query($b: Backend) { plugins(backend: $b) { edges { cursor } } }',
      variables: { b: 'SDN' },
      hint: 'SDM',
    },
    {
      name: 'enum in an input object literal',
      query:
        'mutation { performPluginAction(input: { pluginId: "ID7", action: INSTAL }) { __typename } }',
      hint: 'INSTALL',
    },
    {
      name: 'enum in an input object variable',
      query:
        'mutation($i: PerformPluginActionInput!) { performPluginAction(input: $i) { __typename } }',
      variables: { i: { pluginId: 'ID7', action: 'INSTAL' } },
      hint: 'INSTALL',
    },
    {
      name: 'input field in a variable',
      query:
        'mutation($i: PerformPluginActionInput!) { performPluginAction(input: $i) { __typename } }',
      variables: { i: { pluginId: 'ID7', actoin: 'INSTALL' } },
      hint: '"action"',
    },
    { name: 'argument', query: '{ plugins(frist: 1) { edges { cursor } } }', hint: 'first' },
    {
      name: 'field of an interface',
      query: '{ node(id: "x") { nativeId } }',
      hint: 'inline fragment',
    },
  ];

  it('off: no "Did you mean …?" for misspelt enum values, fields, arguments or types, as literals or variables', async () => {
    const closed = await startTestRuntime({ config: { introspection: false } });
    try {
      for (const typo of typos) {
        const body = await closed.gql(typo.query, typo.variables);
        const messages = (body.errors ?? []).map((e) => e.message);
        expect({ typo: typo.name, data: body.data ?? null }).toEqual({
          typo: typo.name,
          data: null,
        });
        expect(messages.length, typo.name).toBeGreaterThan(0);
        for (const message of messages) {
          expect(message, typo.name).not.toMatch(/did you mean/i);
          expect(message, typo.name).not.toContain(typo.hint);
        }
      }
    } finally {
      await closed.close();
    }
  });

  // Issue 25.8: what a message names that the caller never wrote tells the schema.
  const unwritten: { name: string; query: string; variables?: Record<string, unknown> }[] = [
    {
      name: 'a required input field left out of a literal',
      query: 'mutation { installUpdate(input: {}) { __typename } }',
    },
    {
      name: 'a required input field left out of a variable',
      query: 'mutation($i: InstallUpdateInput!) { installUpdate(input: $i) { __typename } }',
      variables: { i: {} },
    },
    { name: 'a required argument left out', query: '{ node { __typename } }' },
    {
      name: 'a field asked of the wrong type',
      query: '{ backends { nativeId } }',
    },
  ];

  it('off: messages name only what the caller wrote (no input field, argument or type names)', async () => {
    const closed = await startTestRuntime({ config: { introspection: false } });
    const open = await startTestRuntime();
    try {
      for (const c of unwritten) {
        const hidden = await closed.gql(c.query, c.variables);
        const shown = await open.gql(c.query, c.variables);
        const messages = (body: typeof hidden) => (body.errors ?? []).map((e) => e.message);
        // With introspection on, graphql-js names the schema's parts (the test would be empty
        // otherwise); off, the same errors come back, each name replaced.
        expect(messages(shown).join(' '), c.name).toMatch(
          /InstallUpdateInput|version|"ID!"|"id"|"BackendStatus"/,
        );
        expect(messages(hidden).length, c.name).toBe(messages(shown).length);
        for (const message of messages(hidden)) {
          expect(message, c.name).not.toMatch(
            /InstallUpdateInput\.|version|"ID!"|"id"|BackendStatus|String!/,
          );
          expect(message, c.name).toContain('[hidden]');
        }
        expect(hidden.errors?.[0]?.extensions?.code, c.name).toBe(
          shown.errors?.[0]?.extensions?.code,
        );
      }
      // A name the caller wrote stays: they can tell which of their own words was wrong.
      const typo = await closed.gql('{ backendz { backend } }');
      expect(typo.errors?.[0]?.message).toContain('"backendz"');
    } finally {
      await closed.close();
      await open.close();
    }
  });

  it('on: graphql-js suggestions are kept for people exploring', async () => {
    const body = (await (
      await postJson({ query: '{ plugins(backend: SDN) { edges { cursor } } }' })
    ).json()) as Body;
    expect(body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(body.errors?.[0]?.message).toMatch(/Did you mean the enum value "SDM"\?/);
  });
});
