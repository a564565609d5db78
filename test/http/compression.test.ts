import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { COMPRESS_MIN_BYTES } from '../../src/http/compress-answer.ts';
import { type RawResponse, rawRequest } from '../helpers/raw-request.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { INSTALL, listening, PROGRESS } from '../subscriptions/helpers.ts';

/**
 * Large JSON answers compressed by the Node listener (src/http/compress-answer.ts), on a real
 * socket, read raw (node:http, which leaves the bytes encoded) and by undici's fetch (which
 * decodes them, as browsers and most clients do).
 */

const JSON_POST = { 'content-type': 'application/json', accept: 'application/json' };

/** `{ <alias>: __typename }` with the alias long enough for an answer of exactly `bytes`. */
function answerOf(bytes: number): string {
  // {"data":{"<alias>":"Query"}} is the alias and 21 bytes.
  return `{ a${'x'.repeat(bytes - 22)}: __typename }`;
}

const post = (url: string, query: string, acceptEncoding?: string) =>
  rawRequest(url, {
    method: 'POST',
    headers: { ...JSON_POST, ...(acceptEncoding && { 'accept-encoding': acceptEncoding }) },
    body: JSON.stringify({ query }),
  });

function decoded(res: RawResponse): string {
  const encoding = res.headers['content-encoding'];
  if (encoding === 'br') return brotliDecompressSync(res.body).toString();
  if (encoding === 'gzip') return gunzipSync(res.body).toString();
  return res.body.toString();
}

describe('JSON answers compressed from COMPRESS_MIN_BYTES up', () => {
  it('leaves an answer one byte under the threshold alone and compresses one at it', async () => {
    const { http } = await listening();
    const under = await post(http.url, answerOf(COMPRESS_MIN_BYTES - 1), 'gzip, br');
    expect(under.body.length).toBe(COMPRESS_MIN_BYTES - 1);
    expect(under.headers['content-encoding']).toBeUndefined();
    expect(under.headers.vary ?? '').not.toMatch(/accept-encoding/i);

    const at = await post(http.url, answerOf(COMPRESS_MIN_BYTES), 'gzip, br');
    expect(at.headers['content-encoding']).toBe('br');
    expect(at.headers.vary).toMatch(/accept-encoding/i);
    expect(Number(at.headers['content-length'])).toBe(at.body.length);
    expect(at.body.length).toBeLessThan(COMPRESS_MIN_BYTES / 4);
    expect(decoded(at)).toBe(`{"data":{"a${'x'.repeat(COMPRESS_MIN_BYTES - 22)}":"Query"}}`);
  });

  it('answers in the coding Accept-Encoding prefers, each decoding to the identity answer', async () => {
    const { http } = await listening();
    const query = '{ __schema { types { name description fields { name description } } } }';
    const identity = await post(http.url, query);
    expect(identity.headers['content-encoding']).toBeUndefined();
    // Another request may get the compressed form: a cache must know.
    expect(identity.headers.vary).toMatch(/accept-encoding/i);
    expect(identity.body.length).toBeGreaterThan(COMPRESS_MIN_BYTES);
    expect(JSON.parse(identity.body.toString()).data.__schema.types.length).toBeGreaterThan(10);
    const cases: [string, string | undefined][] = [
      ['gzip, deflate, br, zstd', 'br'],
      ['gzip', 'gzip'],
      ['br;q=0.5, gzip', 'gzip'],
      ['deflate', undefined],
      ['gzip;q=0.5, identity', undefined],
    ];
    for (const [acceptEncoding, expected] of cases) {
      const res = await post(http.url, query, acceptEncoding);
      expect(res.headers['content-encoding'], acceptEncoding).toBe(expected);
      if (expected) expect(res.body.length).toBeLessThan(identity.body.length / 3);
      expect(decoded(res), acceptEncoding).toBe(identity.body.toString());
    }
  });

  it("decodes for undici's fetch, which asks for compression by itself", async () => {
    const { http } = await listening();
    const query = '{ __schema { types { name description } } }';
    const res = await fetch(http.url, {
      method: 'POST',
      headers: JSON_POST,
      body: JSON.stringify({ query }),
    });
    expect(res.headers.get('content-encoding')).toMatch(/^(br|gzip)$/);
    const body = (await res.json()) as { data: { __schema: { types: unknown[] } } };
    const plain = JSON.parse((await post(http.url, query)).body.toString());
    expect(body).toEqual(plain);
  });

  it('compresses a large JSON answer but never an SSE or multipart stream, Accept-Encoding or not', async () => {
    const { t, http } = await listening({ appliance: { installMs: 50 } });
    const started = await t.gql<{ installUpdate: { task: { id: string } } }>(INSTALL, {
      version: '9.0.3.0',
    });
    const id = started.data?.installUpdate.task.id;
    expect(id).toBeTruthy();
    await waitFor(async () => {
      const r = await t.gql<{ node: { status: string } }>(
        'query($id: ID!) { node(id: $id) { ... on Task { status } } }',
        { id },
      );
      return r.data?.node.status === 'SUCCESS';
    }, 'the install to succeed');
    const acceptEncoding = 'gzip, br';
    const large = await post(http.url, answerOf(COMPRESS_MIN_BYTES * 2), acceptEncoding);
    expect(large.headers['content-encoding']).toBe('br');
    // A finished task's stream: its last state, then the end, so each body ends by itself.
    for (const accept of ['text/event-stream', 'multipart/mixed']) {
      const stream = await rawRequest(http.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept, 'accept-encoding': acceptEncoding },
        body: JSON.stringify({ query: PROGRESS, variables: { id } }),
      });
      expect(stream.headers['content-type'], accept).toContain(accept);
      // Yoga's SSE says `none` outright (for proxies that would buffer a compressed stream).
      expect(stream.headers['content-encoding'] ?? 'none', accept).toBe('none');
      expect(stream.body.toString(), accept).toContain('"status":"SUCCESS"');
    }
  });
});
