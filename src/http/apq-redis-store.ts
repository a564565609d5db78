import type { Redis } from 'ioredis';
import type { StoreDeadline } from '../store/redis-deadline.ts';
import { APQ_BOUNDS, type ApqBounds, type ApqStore } from './apq-store.ts';

/**
 * Scaled-out mode: registered documents shared by every instance, on store/redis.ts's command
 * connection. Each document is the key `<prefix>apq:<hash>`, expiring `ttlSeconds` after its last
 * use; the sorted set `<prefix>apq-index` holds each hash scored by its last use, so that past
 * `maxDocuments` the least recently used are deleted (in the same script: never more at once).
 */

// KEYS: document key, index. ARGV: text, ttl seconds, now (ms), hash, max documents, key prefix.
const SET = `redis.call('set', KEYS[1], ARGV[1], 'EX', ARGV[2])
redis.call('zadd', KEYS[2], ARGV[3], ARGV[4])
redis.call('expire', KEYS[2], ARGV[2])
local over = redis.call('zcard', KEYS[2]) - tonumber(ARGV[5])
if over > 0 then
  local gone = redis.call('zpopmin', KEYS[2], over)
  for i = 1, #gone, 2 do redis.call('del', ARGV[6] .. gone[i]) end
end
return 0`;

// KEYS: document key, index. ARGV: ttl seconds, now (ms), hash. A hit is used again: kept longer.
const GET = `local text = redis.call('getex', KEYS[1], 'EX', ARGV[1])
if text then redis.call('zadd', KEYS[2], 'XX', ARGV[2], ARGV[3]) end
return text`;

export interface RedisApqStoreOptions {
  /** How long a document unused stays; default a day. */
  readonly ttlSeconds?: number;
  readonly bounds?: ApqBounds;
}

export class RedisApqStore implements ApqStore {
  private readonly ttlSeconds: number;
  private readonly bounds: ApqBounds;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly deadline: StoreDeadline,
    options: RedisApqStoreOptions = {},
  ) {
    this.ttlSeconds = options.ttlSeconds ?? 86_400;
    this.bounds = options.bounds ?? APQ_BOUNDS;
  }

  async get(hash: string): Promise<string | undefined> {
    const text = await this.deadline.run(() =>
      this.redis.eval(GET, 2, this.key(hash), this.index(), this.ttlSeconds, Date.now(), hash),
    );
    return typeof text === 'string' ? text : undefined;
  }

  async set(hash: string, text: string): Promise<void> {
    if (Buffer.byteLength(text, 'utf8') > this.bounds.maxDocumentBytes) return;
    await this.deadline.run(() =>
      this.redis.eval(
        SET,
        2,
        this.key(hash),
        this.index(),
        text,
        this.ttlSeconds,
        Date.now(),
        hash,
        this.bounds.maxDocuments,
        `${this.prefix}apq:`,
      ),
    );
  }

  private key(hash: string): string {
    return `${this.prefix}apq:${hash}`;
  }

  private index(): string {
    return `${this.prefix}apq-index`;
  }
}
