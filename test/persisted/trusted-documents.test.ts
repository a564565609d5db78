import { createHash } from 'node:crypto';
import { getIntrospectionQuery } from 'graphql';
import { createClient as createWsClient } from 'graphql-ws';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Config, loadConfig } from '../../src/config/index.ts';
import { documentCheck } from '../../src/guards/trusted-documents.ts';
import { buildSchema } from '../../src/schema/index.ts';
import { listening } from '../subscriptions/helpers.ts';
import {
  CODEGEN_MANIFEST,
  entry,
  errorsCoded,
  manifest,
  RELAY_MANIFEST,
  requestsSeenBy,
  sha256,
} from './helpers.ts';

/**
 * Issue 28: trusted documents. PLUGIN_GRAPH_TRUSTED_DOCUMENTS names a manifest as GraphQL Codegen
 * and relay-compiler write it; requests name its documents the way each client does, and with
 * PLUGIN_GRAPH_TRUSTED_ONLY=1 any other document is refused (PERSISTED_QUERY_ONLY), on every
 * transport. Real HTTP and WebSocket against the server; refusals counted in its /metrics.
 */

interface Answer {
  data?: Record<string, unknown> | null;
  errors?: { extensions?: { code?: string } }[];
}

/** The two variables as loadConfig reads them, the schema check included (as server.ts does). */
function persisted(path: string, only: boolean): Partial<Config> {
  const { trustedDocuments, trustedOnly } = loadConfig(
    {
      PLUGIN_GRAPH_AUTH: 'none',
      PLUGIN_GRAPH_DEMO: '1',
      PLUGIN_GRAPH_TRUSTED_DOCUMENTS: path,
      PLUGIN_GRAPH_TRUSTED_ONLY: only ? '1' : '0',
    },
    { checkDocument: documentCheck(buildSchema) },
  );
  return { trustedDocuments, trustedOnly };
}

async function post(url: string, body: Record<string, unknown>): Promise<Answer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify(body),
  });
  return (await res.json()) as Answer;
}

async function get(url: string, params: Record<string, string>): Promise<Answer> {
  const target = new URL(url);
  for (const [name, value] of Object.entries(params)) target.searchParams.set(name, value);
  const res = await fetch(target, { headers: { accept: 'application/graphql-response+json' } });
  return (await res.json()) as Answer;
}

const codes = (answer: Answer) => answer.errors?.map((e) => e.extensions?.code);

describe('trusted-only with a GraphQL Codegen manifest (persisted-documents.json)', () => {
  const updates = entry(CODEGEN_MANIFEST, 'TrustedUpdates');
  const backends = entry(CODEGEN_MANIFEST, 'TrustedBackends');

  it('the fixture is Codegen-shaped: each id is the SHA-256 of its text', () => {
    for (const [id, text] of Object.entries(manifest(CODEGEN_MANIFEST)))
      expect(id).toBe(sha256(text));
  });

  it('runs its documents however they are named, refuses any other text, and counts refusals', async () => {
    const { t, http } = await listening({ config: persisted(CODEGEN_MANIFEST, true) });
    const refused = () => errorsCoded(t.runtime.app, 'PERSISTED_QUERY_ONLY');
    const ran = (answer: Answer) => ({
      codes: codes(answer),
      keys: Object.keys(answer.data ?? {}),
    });

    // documentId in a POST body (GraphQL over HTTP, Codegen), as `sha256:<hex>` too, in a GET,
    // as an APQ hash, and its text itself.
    expect(ran(await post(http.url, { documentId: updates.id }))).toEqual({
      codes: undefined,
      keys: ['updates'],
    });
    expect(ran(await post(http.url, { documentId: `sha256:${backends.id}` }))).toEqual({
      codes: undefined,
      keys: ['backends'],
    });
    expect(ran(await get(http.url, { documentId: updates.id }))).toEqual({
      codes: undefined,
      keys: ['updates'],
    });
    const hashed = { persistedQuery: { version: 1, sha256Hash: backends.id } };
    expect(ran(await get(http.url, { extensions: JSON.stringify(hashed) }))).toEqual({
      codes: undefined,
      keys: ['backends'],
    });
    expect(ran(await post(http.url, { query: updates.text }))).toEqual({
      codes: undefined,
      keys: ['updates'],
    });
    expect(await refused()).toBe(0);

    // Anything else: refused before it runs, whatever the method or the text.
    const others = [
      '{ updates { version } }',
      `${updates.text} `,
      getIntrospectionQuery(),
      '{ _service { sdl } }',
    ];
    for (const query of others) {
      expect(codes(await post(http.url, { query })), query).toEqual(['PERSISTED_QUERY_ONLY']);
      expect(codes(await get(http.url, { query })), query).toEqual(['PERSISTED_QUERY_ONLY']);
    }
    // A request error, as an invalid document is: 400 to a GraphQL-over-HTTP client.
    const status = await fetch(http.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(status.status).toBe(400);
    expect(codes((await status.json()) as Answer)).toEqual(['PERSISTED_QUERY_ONLY']);
    // A text sent with its hash registers nothing: the hash stays unknown.
    const text = '{ backends { endpoint } }';
    const apq = { persistedQuery: { version: 1, sha256Hash: sha256(text) } };
    expect(codes(await post(http.url, { query: text, extensions: apq }))).toEqual([
      'PERSISTED_QUERY_ONLY',
    ]);
    expect(codes(await post(http.url, { extensions: apq }))).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    expect(codes(await post(http.url, { documentId: sha256('{ __typename }') }))).toEqual([
      'PERSISTED_QUERY_NOT_FOUND',
    ]);
    expect(await refused()).toBe(2 * others.length + 2);
  });

  it('over WebSocket: the manifest text runs, any other is refused', async () => {
    const { http } = await listening({ config: persisted(CODEGEN_MANIFEST, true) });
    const client = createWsClient({ url: http.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0 });
    const run = (query: string) =>
      new Promise<Answer>((resolve, reject) => {
        let last: Answer = {};
        client.subscribe(
          { query },
          {
            next: (value) => {
              last = value as Answer;
            },
            error: (err) =>
              Array.isArray(err) ? resolve({ errors: err as Answer['errors'] }) : reject(err),
            complete: () => resolve(last),
          },
        );
      });
    try {
      expect(Object.keys((await run(updates.text)).data ?? {})).toEqual(['updates']);
      expect(codes(await run('{ updates { version } }'))).toEqual(['PERSISTED_QUERY_ONLY']);
    } finally {
      await client.dispose();
    }
  });

  it('with the manifest but not trusted-only, documents by id and any text both run', async () => {
    const { http } = await listening({ config: persisted(CODEGEN_MANIFEST, false) });
    expect(Object.keys((await post(http.url, { documentId: updates.id })).data ?? {})).toEqual([
      'updates',
    ]);
    expect((await post(http.url, { query: '{ __typename }' })).data).toEqual({
      __typename: 'Query',
    });
    // A text or a name, not both.
    expect(
      codes(await post(http.url, { query: '{ __typename }', documentId: updates.id })),
    ).toEqual(['BAD_REQUEST']);
  });
});

describe('trusted-only with a Relay manifest (relay-compiler persistConfig.file)', () => {
  const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');
  const updates = entry(RELAY_MANIFEST, 'PersistedFixtureUpdatesQuery');
  const backends = entry(RELAY_MANIFEST, 'PersistedFixtureBackendsQuery');
  const install = entry(RELAY_MANIFEST, 'PersistedFixtureInstallMutation');

  it('the fixture is relay-compiler output: each id is the MD5 of its text', () => {
    for (const [id, text] of Object.entries(manifest(RELAY_MANIFEST))) expect(id).toBe(md5(text));
  });

  it("runs what Relay's network layer sends ({ doc_id, variables }), nothing else", async () => {
    const { t, http } = await listening({ config: persisted(RELAY_MANIFEST, true) });
    const seen = requestsSeenBy(http.server);
    // As relay.dev's persisted-queries fetch function sends it: `doc_id: operation.id`.
    const relay = (id: string, variables: Record<string, unknown> = {}) =>
      post(http.url, { doc_id: id, variables });

    const read = await relay(updates.id);
    expect(read.errors).toBeUndefined();
    expect(read.data?.updates).toContainEqual({
      version: '9.0.3.0',
      endpoint: 'appliance',
      id: expect.any(String),
    });
    const page = await relay(backends.id, { first: 5 });
    expect(page.errors).toBeUndefined();
    expect(page.data).toEqual({ tasks: { edges: [] }, backends: expect.any(Array) });
    const installed = await relay(install.id, { version: '9.0.3.0' });
    expect(installed.data).toEqual({
      installUpdate: {
        __typename: 'InstallUpdatePayload',
        task: { id: expect.any(String), status: expect.any(String) },
      },
    });
    expect(t.appliance.server.count({ method: 'POST', path: /\/actions\/install$/ })).toBe(1);
    // `id`, the name older Relay examples use, names the same documents.
    expect(Object.keys((await post(http.url, { id: updates.id })).data ?? {})).toEqual(['updates']);

    expect(codes(await relay(md5('query Other { updates { version } }')))).toEqual([
      'PERSISTED_QUERY_NOT_FOUND',
    ]);
    expect(codes(await post(http.url, { query: '{ updates { version } }' }))).toEqual([
      'PERSISTED_QUERY_ONLY',
    ]);
    expect(codes(await post(http.url, { query: 'mutation { __typename }' }))).toEqual([
      'PERSISTED_QUERY_ONLY',
    ]);
    expect(seen).toHaveLength(7);
    expect(await errorsCoded(t.runtime.app, 'PERSISTED_QUERY_ONLY')).toBe(2);
    expect(await errorsCoded(t.runtime.app, 'PERSISTED_QUERY_NOT_FOUND')).toBe(1);
  });
});
