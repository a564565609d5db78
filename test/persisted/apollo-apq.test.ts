import { ApolloClient, gql, HttpLink, InMemoryCache, type TypedDocumentNode } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { describe, expect, it } from 'vitest';
import { listening } from '../subscriptions/helpers.ts';
import { errorsCoded, requestsSeenBy, sha256 } from './helpers.ts';

/**
 * Issue 28: Apollo Client's PersistedQueryLink (automatic persisted queries) against the server
 * over a real socket. The first request sends only the hash; the server answers
 * PERSISTED_QUERY_NOT_FOUND, the link sends the text with the hash once, the server registers it,
 * and every later request of that document is the hash alone. Counted on the server's side: the
 * requests its HTTP server received, and the PERSISTED_QUERY_NOT_FOUND answers in its /metrics.
 */

const UPDATES: TypedDocumentNode<{ updates: { version: string; __typename: string }[] }> = gql`
  query PersistedUpdates {
    updates {
      version
    }
  }
`;

function client(url: string, useGETForHashedQueries: boolean) {
  const persisted = new PersistedQueryLink({ sha256, useGETForHashedQueries });
  return new ApolloClient({
    link: persisted.concat(new HttpLink({ uri: url, fetch })),
    cache: new InMemoryCache(),
  });
}

interface Answer {
  data?: unknown;
  errors?: { extensions?: { code?: string } }[];
}

describe('automatic persisted queries with Apollo Client', () => {
  it('POST: miss, then the text registers, then a second client hits with the hash alone', async () => {
    const { t, http } = await listening();
    const seen = requestsSeenBy(http.server);

    const first = await client(http.url, false).query({ query: UPDATES });
    expect(first.data?.updates).toContainEqual({ version: '9.0.3.0', __typename: 'Update' });
    // The hash alone (refused), then the text with it.
    expect(seen).toEqual(['POST /graphql', 'POST /graphql']);
    expect(await errorsCoded(t.runtime.app, 'PERSISTED_QUERY_NOT_FOUND')).toBe(1);

    const second = await client(http.url, false).query({ query: UPDATES });
    expect(second.data).toEqual(first.data);
    // One request, found.
    expect(seen).toHaveLength(3);
    expect(await errorsCoded(t.runtime.app, 'PERSISTED_QUERY_NOT_FOUND')).toBe(1);
  });

  it('GET for hashed queries: GET miss, POST of the text, then a GET without the text hits', async () => {
    const { t, http } = await listening();
    const seen = requestsSeenBy(http.server);

    const first = await client(http.url, true).query({ query: UPDATES });
    expect(first.data?.updates).toContainEqual({ version: '9.0.3.0', __typename: 'Update' });
    expect(seen.map((line) => line.split(' ')[0])).toEqual(['GET', 'POST']);
    expect(await errorsCoded(t.runtime.app, 'PERSISTED_QUERY_NOT_FOUND')).toBe(1);

    const second = await client(http.url, true).query({ query: UPDATES });
    expect(second.data).toEqual(first.data);
    expect(seen.map((line) => line.split(' ')[0])).toEqual(['GET', 'POST', 'GET']);
    // The GETs name the document by its hash only.
    for (const line of seen.filter((l) => l.startsWith('GET'))) {
      const url = new URL(line.slice(4), 'http://x');
      expect(url.searchParams.has('query')).toBe(false);
      expect(url.searchParams.get('extensions')).toContain('sha256Hash');
    }
    expect(await errorsCoded(t.runtime.app, 'PERSISTED_QUERY_NOT_FOUND')).toBe(1);
  });
});

describe('what registers', () => {
  async function send(url: string, body: Record<string, unknown>): Promise<Answer> {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify(body),
    });
    return (await res.json()) as Answer;
  }
  const apq = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } });
  const codes = (answer: Answer) => answer.errors?.map((e) => e.extensions?.code);

  it('only a document that parsed, validated and kept within the limits; a text must match its hash', async () => {
    const { t, http } = await listening();
    const aliases = Array.from({ length: 16 }, (_, i) => `a${i}: backends { endpoint }`).join(' ');
    const refused = {
      invalid: ['{ noSuchField }', 'GRAPHQL_VALIDATION_FAILED'],
      unparsable: ['{ updates {', 'GRAPHQL_PARSE_FAILED'],
      'over a limit': [`{ ${aliases} }`, 'QUERY_LIMIT_EXCEEDED'],
    } as const;
    for (const [text, code] of Object.values(refused)) {
      const sent = await send(http.url, { query: text, extensions: apq(sha256(text)) });
      expect(codes(sent), text).toEqual([code]);
      const again = await send(http.url, { extensions: apq(sha256(text)) });
      expect(codes(again), text).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    }

    // Valid, but larger than a stored document may be: it runs, unregistered.
    const large = `{ node(id: "${'x'.repeat(70 * 1024)}") { id } }`;
    const ran = await send(http.url, { query: large, extensions: apq(sha256(large)) });
    expect(ran.data).toBeDefined();
    expect(codes(await send(http.url, { extensions: apq(sha256(large)) }))).toEqual([
      'PERSISTED_QUERY_NOT_FOUND',
    ]);

    // A text with another text's hash: refused, and the hash names nothing after.
    const text = '{ backends { endpoint } }';
    const other = sha256('{ updates { version } }');
    expect(codes(await send(http.url, { query: text, extensions: apq(other) }))).toEqual([
      'PERSISTED_QUERY_MISMATCH',
    ]);
    expect(codes(await send(http.url, { extensions: apq(other) }))).toEqual([
      'PERSISTED_QUERY_NOT_FOUND',
    ]);

    // The same text with its own hash registers.
    expect((await send(http.url, { query: text, extensions: apq(sha256(text)) })).data).toEqual({
      backends: expect.any(Array),
    });
    expect((await send(http.url, { extensions: apq(sha256(text)) })).data).toEqual({
      backends: expect.any(Array),
    });
    expect(await errorsCoded(t.runtime.app, 'PERSISTED_QUERY_NOT_FOUND')).toBe(5);
  });

  it('neither a text nor a name: the same BAD_REQUEST as before', async () => {
    const { http } = await listening();
    const res = await fetch(http.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ variables: {} }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: { message: string }[] };
    expect(body.errors.map((e) => e.message)).toEqual(['Must provide query string.']);
  });
});
