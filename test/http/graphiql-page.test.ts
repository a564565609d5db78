import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RawRequest, rawRequest } from '../helpers/raw-request.ts';
import { startTestRuntime, type TestRuntime } from '../helpers/runtime.ts';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.ts';
import { type Listening, listen } from '../subscriptions/helpers.ts';

/**
 * The GraphiQL page (src/http/graphiql.ts) as a browser loads it over a real socket: compressed
 * in the coding Accept-Encoding prefers, revalidated by its ETag, switched off by
 * PLUGIN_GRAPH_GRAPHIQL=false. Read with node:http, which leaves the bytes as sent.
 */

/**
 * A bound, not a measure: the first view renders and compresses the 9 MB page, and a server
 * process starts with tsx; both take seconds on two busy cores.
 */
const SLOW_MS = 60_000;

const BROWSER = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

let t: TestRuntime;
let http: Listening;

beforeAll(async () => {
  // CORS on for one origin: a cross-origin GET must not lose the page's Vary.
  t = await startTestRuntime({ config: { corsOrigins: ['http://app.example'] } });
  http = await listen(t.runtime.app);
});

afterAll(async () => {
  await http?.close();
  await t?.close();
});

const page = (headers: Record<string, string> = {}, options: RawRequest = {}) =>
  rawRequest(http.url, { ...options, headers: { ...BROWSER, ...headers } });

describe('GraphiQL page', () => {
  it(
    'comes in brotli and gzip, each smaller than the page and decoding to its bytes',
    async () => {
      const identity = await page();
      expect(identity.status).toBe(200);
      expect(identity.headers['content-type']).toMatch(/^text\/html/);
      expect(identity.headers['content-encoding']).toBeUndefined();
      expect(identity.body.toString()).toContain('<title>plugin-graph</title>');
      const br = await page({ 'accept-encoding': 'gzip, deflate, br, zstd' });
      const gzip = await page({ 'accept-encoding': 'gzip, deflate' });
      expect(br.headers['content-encoding']).toBe('br');
      expect(gzip.headers['content-encoding']).toBe('gzip');
      for (const res of [identity, br, gzip])
        expect(Number(res.headers['content-length'])).toBe(res.body.length);
      // The 9 MB page is ~1.95 MB in brotli, ~2.4 MB in gzip.
      expect(br.body.length).toBeLessThan(identity.body.length / 4);
      expect(gzip.body.length).toBeLessThan(identity.body.length / 3);
      expect(br.body.length).toBeLessThan(gzip.body.length);
      expect(brotliDecompressSync(br.body).equals(identity.body)).toBe(true);
      expect(gunzipSync(gzip.body).equals(identity.body)).toBe(true);
    },
    SLOW_MS,
  );

  it('revalidates: a strong ETag per coding, no-cache, and a 304 without a body on a match', async () => {
    const first = await page({ 'accept-encoding': 'br' }, { headersOnly: true });
    const etag = first.headers.etag;
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(first.headers['cache-control']).toBe('no-cache');
    expect(first.headers.vary).toMatch(/accept\b.*accept-encoding/i);
    const gzip = await page({ 'accept-encoding': 'gzip' }, { headersOnly: true });
    const identity = await page({}, { headersOnly: true });
    expect(new Set([etag, gzip.headers.etag, identity.headers.etag]).size).toBe(3);

    const again = await page({ 'accept-encoding': 'br', 'if-none-match': etag ?? '' });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(again.headers.etag).toBe(etag);
    expect(again.headers['cache-control']).toBe('no-cache');
    const weak = await page({ 'accept-encoding': 'br', 'if-none-match': `"old", W/${etag}` });
    expect(weak.status).toBe(304);
    // The gzip form's tag does not validate the brotli one a request would now get.
    const other = await page(
      { 'accept-encoding': 'br', 'if-none-match': gzip.headers.etag ?? '' },
      { headersOnly: true },
    );
    expect(other.status).toBe(200);
    expect(other.headers['content-encoding']).toBe('br');
  });

  it('honours q-values, identity and * in Accept-Encoding', async () => {
    const cases: [string, string | undefined][] = [
      ['', undefined],
      ['identity', undefined],
      ['deflate, zstd', undefined],
      ['gzip', 'gzip'],
      ['x-gzip', 'gzip'],
      ['GZIP;Q=1', 'gzip'],
      ['br;q=0.5, gzip', 'gzip'],
      ['br;q=0.5, gzip;q=0.5', 'br'],
      ['gzip;q=0, *', 'br'],
      ['br;q=0, *;q=0.3', 'gzip'],
      ['*', 'br'],
      ['*;q=0, identity', undefined],
      ['gzip;q=0.5, identity', undefined],
      ['identity;q=0, gzip;q=0.1', 'gzip'],
      ['br;q=1.5', undefined],
      ['br;q=0', undefined],
    ];
    for (const [acceptEncoding, expected] of cases) {
      const res = await page({ 'accept-encoding': acceptEncoding }, { headersOnly: true });
      expect(res.status, acceptEncoding).toBe(200);
      expect(res.headers['content-encoding'], acceptEncoding).toBe(expected);
    }
  });

  it('keeps Vary: Accept, Accept-Encoding beside CORS’s Vary: Origin', async () => {
    const res = await page(
      { origin: 'http://app.example', 'accept-encoding': 'br' },
      { headersOnly: true },
    );
    expect(res.headers['access-control-allow-origin']).toBe('http://app.example');
    const vary = (res.headers.vary ?? '').toLowerCase().split(/\s*,\s*/);
    expect(vary).toEqual(expect.arrayContaining(['origin', 'accept', 'accept-encoding']));
  });
});

describe('PLUGIN_GRAPH_GRAPHIQL=false', () => {
  let server: ServerProcess | undefined;
  afterAll(() => {
    server?.proc.kill('SIGTERM');
    return server?.exited;
  });

  it(
    "gives a browser's GET the GraphQL-over-HTTP answer, not the page; queries still run",
    async () => {
      server = await startServerProcess({ PLUGIN_GRAPH_GRAPHIQL: 'false' }, SLOW_MS);
      expect(server.output()).toContain('GraphiQL off');
      const url = server.url;
      const res = await rawRequest(url, { headers: { ...BROWSER, 'accept-encoding': 'br' } });
      // Accept names */* too, so GraphQL over HTTP answers in JSON: a GET without a query.
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(JSON.parse(res.body.toString()).errors[0].message).toBe('Must provide query string.');
      const query = await rawRequest(`${url}?query=${encodeURIComponent('{ __typename }')}`, {
        headers: { accept: 'application/json' },
      });
      expect(JSON.parse(query.body.toString())).toEqual({ data: { __typename: 'Query' } });
    },
    SLOW_MS,
  );
});
