import type { Redis } from 'ioredis';
import type { StoreDeadline } from '../store/redis-deadline.ts';
import { decodeEntry, encodeEntry } from './codec.ts';
import {
  type AuditCompletion,
  type AuditEntry,
  type AuditPlace,
  type AuditQuery,
  type AuditStart,
  type AuditStore,
  matches,
  settle,
} from './types.ts';

/** Entries read per round trip while a filtered page is gathered. */
const BATCH = 200;

/**
 * The trail in Redis (REDIS_URL): `audit` is a sorted set whose members are `<at>:<id>` with the
 * time zero-padded to 15 digits, all at score 0, so Redis orders them exactly as the graph does
 * (time, then id) and a cursor is a lexicographic bound (ZRANGE … BYLEX); `audit:entries` is a
 * hash from member to the entry's JSON. Trimming (AUDIT_RETENTION_DAYS) drops every member below
 * `<cutoff>:`. Every call runs under REDIS_TIMEOUT_MS (store/redis-deadline.ts).
 * Instances share this trail, so an entry without outcome may be a mutation running on another
 * instance: it reads as `settle` (types.ts) says.
 */
export class RedisAuditStore implements AuditStore {
  private readonly index: string;
  private readonly hash: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly deadline: StoreDeadline,
    private readonly interruptedAfterMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.index = `${prefix}audit`;
    this.hash = `${prefix}audit:entries`;
  }

  begin(start: AuditStart): Promise<void> {
    const member = memberOf(start);
    return this.deadline.run(async () => {
      await this.redis
        .multi()
        .hset(this.hash, member, encodeEntry(start))
        .hset(`${this.hash}:ids`, start.id, member)
        .zadd(this.index, 0, member)
        .exec();
    });
  }

  complete(id: string, completion: AuditCompletion): Promise<void> {
    return this.deadline.run(async () => {
      const member = await this.redis.hget(`${this.hash}:ids`, id);
      if (member === null) return;
      const text = await this.redis.hget(this.hash, member);
      if (text === null) return;
      const entry = decodeEntry(text);
      if (entry.outcome !== undefined) return;
      const done = Object.fromEntries(
        Object.entries(completion).filter(([, v]) => v !== undefined),
      );
      await this.redis.hset(this.hash, member, encodeEntry({ ...entry, ...done }));
    });
  }

  recount(id: string, attempts: number): Promise<void> {
    // Read, then written whole: one instance writes a counted entry, one call after another.
    return this.deadline.run(async () => {
      const member = await this.redis.hget(`${this.hash}:ids`, id);
      const text = member === null ? null : await this.redis.hget(this.hash, member);
      if (member === null || text === null) return;
      await this.redis.hset(this.hash, member, encodeEntry({ ...decodeEntry(text), attempts }));
    });
  }

  get(id: string): Promise<AuditEntry | undefined> {
    return this.deadline.run(async () => {
      const member = await this.redis.hget(`${this.hash}:ids`, id);
      const text = member === null ? null : await this.redis.hget(this.hash, member);
      return text === null
        ? undefined
        : settle(decodeEntry(text), this.now(), this.interruptedAfterMs);
    });
  }

  page(query: AuditQuery): Promise<AuditEntry[]> {
    return this.deadline.run(async () => {
      // Lexicographic bounds of the window; filters on actor and operation are applied to what
      // comes back, batch after batch, until the page is full or the window ends.
      const newest = query.olderThan ? `(${memberOf(query.olderThan)}` : '+';
      let oldest = query.newerThan ? `(${memberOf(query.newerThan)}` : '-';
      if (query.since && !query.newerThan) oldest = `[${pad(query.since.getTime())}`;
      const out: AuditEntry[] = [];
      for (let offset = 0; out.length < query.limit; offset += BATCH) {
        const members = query.oldestFirst
          ? await this.redis.zrangebylex(this.index, oldest, newest, 'LIMIT', offset, BATCH)
          : await this.redis.zrevrangebylex(this.index, newest, oldest, 'LIMIT', offset, BATCH);
        if (members.length === 0) break;
        const texts = await this.redis.hmget(this.hash, ...members);
        for (const text of texts) {
          if (text === null) continue;
          const entry = settle(decodeEntry(text), this.now(), this.interruptedAfterMs);
          if (entry && matches(entry, query)) out.push(entry);
          if (out.length === query.limit) break;
        }
        if (members.length < BATCH) break;
      }
      return out;
    });
  }

  trim(before: Date): Promise<number> {
    return this.deadline.run(async () => {
      const bound = `(${pad(before.getTime())}:`;
      const members = await this.redis.zrangebylex(this.index, '-', bound);
      if (members.length === 0) return 0;
      const ids = members.map((m) => m.slice(m.indexOf(':') + 1));
      await this.redis
        .multi()
        .zremrangebylex(this.index, '-', bound)
        .hdel(this.hash, ...members)
        .hdel(`${this.hash}:ids`, ...ids)
        .exec();
      return members.length;
    });
  }

  /** The connection is the backplane's: it closes it. */
  async close(): Promise<void> {}
}

function pad(ms: number): string {
  return String(ms).padStart(15, '0');
}

function memberOf(place: AuditPlace): string {
  return `${pad(place.at.getTime())}:${place.id}`;
}
