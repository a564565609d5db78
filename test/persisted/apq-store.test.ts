import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisApqStore } from '../../src/http/apq-redis-store.ts';
import { type ApqBounds, type ApqStore, MemoryApqStore } from '../../src/http/apq-store.ts';
import { StoreDeadline } from '../../src/store/redis-deadline.ts';
import { type RedisServer, SKIP_REDIS, startRedis } from '../redis/redis-server.ts';
import { sha256 } from './helpers.ts';

/**
 * Issue 28: registering a document is open to every caller, so both stores are bounded: the least
 * recently used documents go past a count (and, in memory, past a total of bytes), and a document
 * larger than the per-document cap is never stored.
 */

const BOUNDS: ApqBounds = { maxDocuments: 3, maxBytes: 1_000, maxDocumentBytes: 400 };
const doc = (i: number, size = 20) => `{ d${i}: __typename }`.padEnd(size, ' ');

/** Which of documents 0..n-1 the store still holds. */
async function held(store: ApqStore, n: number): Promise<number[]> {
  const kept: number[] = [];
  for (let i = 0; i < n; i++) if ((await store.get(sha256(doc(i)))) !== undefined) kept.push(i);
  return kept;
}

async function register(store: ApqStore, ...ids: number[]): Promise<void> {
  for (const i of ids) await store.set(sha256(doc(i)), doc(i));
}

describe('the memory store', () => {
  it('keeps the most recently used documents by count', async () => {
    const store = new MemoryApqStore(BOUNDS);
    await register(store, 0, 1, 2);
    await store.get(sha256(doc(0))); // used: 1 is now the least recent
    await register(store, 3);
    expect(store.size).toBe(3);
    expect(await held(store, 4)).toEqual([0, 2, 3]);
  });

  it('keeps at most maxBytes in all, and stores no document over maxDocumentBytes', async () => {
    const store = new MemoryApqStore(BOUNDS);
    const big = (i: number) => doc(i, 390);
    for (const i of [0, 1, 2]) await store.set(sha256(big(i)), big(i));
    // 3 × 390 bytes is over 1,000: the oldest went although the count allows 3.
    expect(store.size).toBe(2);
    expect(await store.get(sha256(big(0)))).toBeUndefined();
    const huge = doc(9, 401);
    await store.set(sha256(huge), huge);
    expect(await store.get(sha256(huge))).toBeUndefined();
    expect(store.size).toBe(2);
  });
});

describe.skipIf(SKIP_REDIS)('the Redis store', () => {
  let redis: RedisServer;
  let client: Redis;
  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url, { lazyConnect: false, maxRetriesPerRequest: 0 });
  });
  afterAll(async () => {
    client?.disconnect();
    await redis?.stop();
  });

  const store = (prefix: string, ttlSeconds?: number) =>
    new RedisApqStore(client, prefix, new StoreDeadline(client, 5_000), {
      bounds: BOUNDS,
      ...(ttlSeconds !== undefined && { ttlSeconds }),
    });

  it('keeps the most recently used documents by count, their keys deleted', async () => {
    const a = store('lru:');
    await register(a, 0, 1, 2);
    await a.get(sha256(doc(0)));
    await register(a, 3);
    expect(await held(a, 4)).toEqual([0, 2, 3]);
    expect((await client.keys('lru:apq:*')).length).toBe(3);
    expect(await client.zcard('lru:apq-index')).toBe(3);
  });

  it('gives each document a TTL, renewed by a hit; stores no document over maxDocumentBytes', async () => {
    const a = store('ttl:', 600);
    await register(a, 0);
    const key = `ttl:apq:${sha256(doc(0))}`;
    await client.expire(key, 5);
    expect(await a.get(sha256(doc(0)))).toBe(doc(0));
    expect(await client.ttl(key)).toBeGreaterThan(5);
    const huge = doc(9, 401);
    await a.set(sha256(huge), huge);
    expect(await client.exists(`ttl:apq:${sha256(huge)}`)).toBe(0);
  });
});
