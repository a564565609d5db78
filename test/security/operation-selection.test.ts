import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestIdp, TEST_AUDIENCE, type TestIdp } from '../helpers/oidc.ts';
import { startTestRuntime, type TestRuntime } from '../helpers/runtime.ts';
import { type Listening, listen } from '../subscriptions/helpers.ts';

/**
 * Issue 25.1: the operation that runs is the one the request names, whatever ran before with the
 * same document text, on every transport and for every kind of caller. A compiled-query cache
 * keyed on the document alone ran the first-compiled operation: a viewer's (or a GET's) `Q` ran
 * an operator's earlier `M`, after every check had judged `Q`.
 */

const OPERATOR = 'sel-operator-token-3d9a';
const VIEWER = 'sel-viewer-token-61fe';

const TWO_QUERIES = 'query A { updates { version } } query B { backends { endpoint } }';
const MUTATION_AND_QUERY = `mutation M { installUpdate(input: { version: "9.0.3.0" }) { __typename } }
query Q { __typename }`;

interface Result {
  data?: Record<string, unknown> | null;
  errors?: { extensions?: { code?: string } }[];
}

type Transport = (token: string, query: string, operationName: string) => Promise<Result>;

let idp: TestIdp;
let t: TestRuntime;
let server: Listening;
let jwtViewer: string;

beforeAll(async () => {
  idp = await startTestIdp();
  t = await startTestRuntime({
    appliance: { installMs: 600_000 },
    config: {
      auth: {
        mode: 'tokens',
        tokens: new Map([
          [OPERATOR, { role: 'operator' as const, name: 'operator' }],
          [VIEWER, { role: 'viewer' as const, name: 'viewer' }],
        ]),
        jwt: { issuer: idp.issuer, audience: TEST_AUDIENCE, rolesClaim: 'roles', nameClaim: 'sub' },
      },
    },
  });
  server = await listen(t.runtime.app, { authenticate: t.runtime.authenticate });
  jwtViewer = await idp.sign({ roles: ['viewer'] }, { subject: 'jwt-viewer' });
});
afterAll(async () => {
  await server.close();
  await t.close();
  await idp.close();
});

const headers = (token: string) => ({
  authorization: `Bearer ${token}`,
  accept: 'application/graphql-response+json',
});

const post: Transport = async (token, query, operationName) => {
  const res = await fetch(server.url, {
    method: 'POST',
    headers: { ...headers(token), 'content-type': 'application/json' },
    body: JSON.stringify({ query, operationName }),
  });
  return (await res.json()) as Result;
};

const get: Transport = async (token, query, operationName) => {
  const url = new URL(server.url);
  url.searchParams.set('query', query);
  url.searchParams.set('operationName', operationName);
  const res = await fetch(url, { headers: headers(token) });
  return (await res.json()) as Result;
};

const websocket: Transport = (token, query, operationName) => {
  const client = createWsClient({
    url: server.wsUrl,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    connectionParams: { authorization: `Bearer ${token}` },
  });
  return collect((sink) => client.subscribe({ query, operationName }, sink)).finally(() =>
    client.dispose(),
  );
};

const sse: Transport = (token, query, operationName) => {
  const client = createSseClient({
    url: server.url,
    retryAttempts: 0,
    headers: { authorization: `Bearer ${token}` },
  });
  return collect((sink) => client.subscribe({ query, operationName }, sink)).finally(() =>
    client.dispose(),
  );
};

interface Sink {
  next(value: unknown): void;
  error(err: unknown): void;
  complete(): void;
}

function collect(start: (sink: Sink) => unknown): Promise<Result> {
  return new Promise<Result>((resolve, reject) => {
    let last: Result = {};
    start({
      next: (value) => {
        last = value as Result;
      },
      error: reject,
      complete: () => resolve(last),
    });
  });
}

const transports = { POST: post, GET: get, WebSocket: websocket, SSE: sse } as const;
const installs = () => t.appliance.server.count({ method: 'POST', path: /\/actions\/install$/ });
const codes = (result: Result) => result.errors?.map((e) => e.extensions?.code);

describe('the named operation is the one that runs', () => {
  it("an operator's mutation M, then anyone naming Q over any transport runs Q", async () => {
    const first = await post(OPERATOR, MUTATION_AND_QUERY, 'M');
    expect(first.data?.installUpdate).toEqual({ __typename: 'InstallUpdatePayload' });
    expect(installs()).toBe(1);
    const auditBefore = await t.runtime.audit.page({ limit: 100 });

    const callers = { 'static viewer': VIEWER, 'JWT viewer': jwtViewer, operator: OPERATOR };
    for (const [transport, send] of Object.entries(transports))
      for (const [caller, token] of Object.entries(callers)) {
        const answer = await send(token, MUTATION_AND_QUERY, 'Q');
        expect({ transport, caller, answer }).toEqual({
          transport,
          caller,
          answer: { data: { __typename: 'Query' } },
        });
      }
    // M never ran again (a second install would be a ConflictError, still audited), and no
    // caller's Q left an audit entry: the trail saw only the operator's M.
    expect(installs()).toBe(1);
    expect(await t.runtime.audit.page({ limit: 100 })).toEqual(auditBefore);
  });

  it('a viewer naming M is FORBIDDEN on every transport (GET: not allowed at all)', async () => {
    for (const [transport, send] of Object.entries(transports))
      for (const token of [VIEWER, jwtViewer]) {
        const answer: Result = await send(token, MUTATION_AND_QUERY, 'M').catch((err: unknown) => ({
          errors: [{ extensions: { code: `transport error ${String(err)}` } }],
        }));
        if (transport === 'GET') expect(answer.data ?? null).toBeNull();
        else
          expect({ transport, codes: codes(answer) }).toEqual({ transport, codes: ['FORBIDDEN'] });
      }
    expect(installs()).toBe(1);
  });

  it('with two queries in one document, naming A after B answers A', async () => {
    for (const [transport, send] of Object.entries(transports))
      for (const token of [VIEWER, jwtViewer]) {
        const b = await send(token, TWO_QUERIES, 'B');
        expect(Object.keys(b.data ?? {}), transport).toEqual(['backends']);
        const a = await send(token, TWO_QUERIES, 'A');
        expect(Object.keys(a.data ?? {}), transport).toEqual(['updates']);
      }
  });
});

/** A small seeded generator (mulberry32): the same cases on every run, many shapes covered. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let x = Math.imul(state ^ (state >>> 15), 1 | state);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296;
  };
}

describe('property: over generated multi-operation documents', () => {
  it('the executed operation is always the named one (operator and viewer, POST and GET)', async () => {
    const next = random(25_1);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
    let checked = 0;
    for (let doc = 0; doc < 40; doc++) {
      // 2 to 5 operations; each selects `__typename` under an alias naming the operation, so
      // the answer tells which one ran (Query or Mutation tells its kind).
      const ops = Array.from({ length: 2 + Math.floor(next() * 4) }, (_, i) => ({
        name: `Op${doc}_${i}`,
        kind: next() < 0.5 ? ('mutation' as const) : ('query' as const),
      }));
      const text = ops.map((op) => `${op.kind} ${op.name} { ${op.name}: __typename }`).join('\n');
      for (let round = 0; round < 6; round++) {
        const op = pick(ops);
        const token = pick([OPERATOR, VIEWER]);
        const method = op.kind === 'query' ? pick([post, get]) : post;
        const answer = await method(token, text, op.name);
        const expected =
          op.kind === 'query'
            ? { data: { [op.name]: 'Query' } }
            : token === OPERATOR
              ? { data: { [op.name]: 'Mutation' } }
              : { codes: ['FORBIDDEN'] };
        const got = answer.errors ? { codes: codes(answer) } : { data: answer.data };
        expect({ text, named: op.name, token, got }).toEqual({
          text,
          named: op.name,
          token,
          got: expected,
        });
        checked++;
      }
    }
    expect(checked).toBe(240);
  });
});
