import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/guards/limits.ts';
import { startTestRuntime, type TestRuntime } from '../helpers/runtime.ts';

let t: TestRuntime;
beforeAll(async () => {
  t = await startTestRuntime();
});
afterAll(() => t.close());

/** A body sent chunked, without Content-Length: the one case counted as it streams. */
function chunked(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(offset, offset + 64 * 1024));
      offset += 64 * 1024;
    },
  });
}

async function post(body: BodyInit, headers: Record<string, string> = {}): Promise<Response> {
  return t.runtime.app.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    duplex: 'half',
  } as RequestInit);
}

describe('request body limit', () => {
  it('a chunked body within the limit is read as usual', async () => {
    const res = await post(chunked(JSON.stringify({ query: '{ __typename }' })));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('a chunked body over the limit: 413, counted as it streams', async () => {
    const query = `{ __typename } # ${'x'.repeat(LIMITS.maxRequestBodyBytes)}`;
    const res = await post(chunked(JSON.stringify({ query })));
    expect(res.status).toBe(413);
    const body = (await res.json()) as { errors: { extensions?: { code?: string } }[] };
    expect(body.errors[0]?.extensions?.code).toBe('REQUEST_ENTITY_TOO_LARGE');
  });

  it('an announced Content-Length over the limit is refused before reading; a malformed one is 400', async () => {
    const big = await post('{}', { 'content-length': String(LIMITS.maxRequestBodyBytes + 1) });
    expect(big.status).toBe(413);
    const bad = await post('{}', { 'content-length': '2, 2' });
    expect(bad.status).toBe(400);
  });
});
