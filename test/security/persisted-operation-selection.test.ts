import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexTrustedDocuments } from '../../src/config/persisted-documents.ts';
import { startTestRuntime, type TestRuntime } from '../helpers/runtime.ts';
import { sha256 } from '../persisted/helpers.ts';
import { type Listening, listen } from '../subscriptions/helpers.ts';

/**
 * Issue 25.1's rule for documents named instead of sent (issue 28): a persisted document with
 * several operations runs the operation the request names, whoever ran another of its operations
 * before, and every check (role, GET's "no mutation", audit) judges that operation. Both ways of
 * naming a document: a manifest id (documentId) and an APQ hash registered by an earlier text.
 */

const OPERATOR = 'pq-operator-token-8c1e';
const VIEWER = 'pq-viewer-token-40d7';

const MUTATION_AND_QUERY = `mutation M { installUpdate(input: { version: "9.0.3.0" }) { __typename } }
query Q { __typename }`;
const TWO_QUERIES = 'query A { updates { version } } query B { backends { endpoint } }';
// Registered by APQ: each operation answers under its own name, so the answer tells which ran.
const ALIASED = 'mutation Pm { Pm: __typename } query Pq { Pq: __typename }';

interface Result {
  data?: Record<string, unknown> | null;
  errors?: { extensions?: { code?: string } }[];
}

let t: TestRuntime;
let server: Listening;

beforeAll(async () => {
  t = await startTestRuntime({
    appliance: { installMs: 600_000 },
    config: {
      auth: {
        mode: 'tokens',
        tokens: new Map([
          [OPERATOR, { role: 'operator' as const, name: 'operator' }],
          [VIEWER, { role: 'viewer' as const, name: 'viewer' }],
        ]),
      },
      trustedDocuments: indexTrustedDocuments(
        'inline',
        new Map([
          ['mq', MUTATION_AND_QUERY],
          ['ab', TWO_QUERIES],
        ]),
      ),
      trustedOnly: false,
    },
  });
  server = await listen(t.runtime.app, { authenticate: t.runtime.authenticate });
});
afterAll(async () => {
  await server.close();
  await t.close();
});

const headers = (token: string) => ({
  authorization: `Bearer ${token}`,
  accept: 'application/graphql-response+json',
});

/** POST of `fields` (documentId, extensions, query) naming `operationName`. */
async function post(token: string, fields: Record<string, unknown>, operationName: string) {
  const res = await fetch(server.url, {
    method: 'POST',
    headers: { ...headers(token), 'content-type': 'application/json' },
    body: JSON.stringify({ ...fields, operationName }),
  });
  return (await res.json()) as Result;
}

/** GET with `fields` as query parameters (objects as JSON), naming `operationName`. */
async function get(token: string, fields: Record<string, unknown>, operationName: string) {
  const url = new URL(server.url);
  for (const [name, value] of Object.entries(fields))
    url.searchParams.set(name, typeof value === 'string' ? value : JSON.stringify(value));
  url.searchParams.set('operationName', operationName);
  const res = await fetch(url, { headers: headers(token) });
  return { status: res.status, ...((await res.json()) as Result) };
}

const installs = () => t.appliance.server.count({ method: 'POST', path: /\/actions\/install$/ });
const codes = (result: Result) => result.errors?.map((e) => e.extensions?.code);

describe('a persisted document runs the operation named', () => {
  it("by documentId: an operator's M, then anyone's Q over POST and GET runs Q", async () => {
    const first = await post(OPERATOR, { documentId: 'mq' }, 'M');
    expect(first.data?.installUpdate).toEqual({ __typename: 'InstallUpdatePayload' });
    expect(installs()).toBe(1);
    const auditBefore = await t.runtime.audit.page({ limit: 100 });

    for (const send of [post, get])
      for (const token of [VIEWER, OPERATOR]) {
        const answer = await send(token, { documentId: 'mq' }, 'Q');
        expect(answer.data).toEqual({ __typename: 'Query' });
      }
    expect(installs()).toBe(1);
    expect(await t.runtime.audit.page({ limit: 100 })).toEqual(auditBefore);

    // M named by a viewer: FORBIDDEN; over GET: refused whoever asks.
    expect(codes(await post(VIEWER, { documentId: 'mq' }, 'M'))).toEqual(['FORBIDDEN']);
    for (const token of [VIEWER, OPERATOR]) {
      const answer = await get(token, { documentId: 'mq' }, 'M');
      expect(answer.status).toBe(405);
      expect(answer.data ?? null).toBeNull();
    }
    expect(installs()).toBe(1);
  });

  it('by documentId, two queries: naming A after B answers A', async () => {
    for (const send of [post, get]) {
      const b = await send(VIEWER, { documentId: 'ab' }, 'B');
      expect(Object.keys(b.data ?? {})).toEqual(['backends']);
      const a = await send(VIEWER, { documentId: 'ab' }, 'A');
      expect(Object.keys(a.data ?? {})).toEqual(['updates']);
    }
  });

  it("by APQ hash: an operator registers it running Pm; a viewer's Pq runs Pq, Pm is refused", async () => {
    const apq = { persistedQuery: { version: 1, sha256Hash: sha256(ALIASED) } };
    const registered = await post(OPERATOR, { query: ALIASED, extensions: apq }, 'Pm');
    expect(registered.data).toEqual({ Pm: 'Mutation' });

    for (const send of [post, get])
      for (const token of [VIEWER, OPERATOR])
        expect((await send(token, { extensions: apq }, 'Pq')).data).toEqual({ Pq: 'Query' });
    expect(codes(await post(VIEWER, { extensions: apq }, 'Pm'))).toEqual(['FORBIDDEN']);
    expect((await post(OPERATOR, { extensions: apq }, 'Pm')).data).toEqual({ Pm: 'Mutation' });
    const overGet = await get(OPERATOR, { extensions: apq }, 'Pm');
    expect(overGet.status).toBe(405);
    expect(overGet.data ?? null).toBeNull();
  });
});
