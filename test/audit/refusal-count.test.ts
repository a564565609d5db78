import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryAuditStore } from '../../src/audit/memory-store.ts';
import { RedisAuditStore } from '../../src/audit/redis-store.ts';
import { REFUSAL_RATE } from '../../src/audit/refusals.ts';
import { SqliteAuditStore } from '../../src/audit/sqlite-store.ts';
import { AuditTrail, type RefusedField } from '../../src/audit/trail.ts';
import type { Actor, AuditEntry, AuditStore } from '../../src/audit/types.ts';
import { StoreDeadline } from '../../src/store/redis-deadline.ts';
import { openDatabase } from '../../src/store/sqlite.ts';
import { type RedisServer, SKIP_REDIS, startRedis } from '../redis/redis-server.ts';

const EVE: Actor = { name: 'eve', role: 'viewer', via: 'jwt' };
const BOB: Actor = { name: 'bob', role: 'viewer', via: 'token' };

/** One refused document: two installUpdate fields and one refreshPluginDrivers. */
const DOCUMENT: RefusedField[] = [
  { operation: 'installUpdate', arguments: () => ({ input: { version: 'x'.repeat(10_000) } }) },
  { operation: 'installUpdate', arguments: () => ({ input: { version: '9.0.3.0' } }) },
  { operation: 'refreshPluginDrivers', arguments: () => ({ input: {} }) },
];

/** A store as an instance opens it, and the same data as a restarted process would read it. */
interface Opened {
  readonly store: AuditStore;
  reopen(): AuditStore;
  close(): Promise<void>;
}

let redis: RedisServer | undefined;
const clients: Redis[] = [];

const STORES: { name: string; skip: boolean; open: (now: () => number) => Promise<Opened> }[] = [
  {
    name: 'memory',
    skip: false,
    open: async (now) => {
      const store = new MemoryAuditStore(60_000, now);
      return { store, reopen: () => store, close: async () => {} };
    },
  },
  {
    name: 'SQLite',
    skip: false,
    open: async (now) => {
      const dir = mkdtempSync(join(tmpdir(), 'pg-refusals-'));
      const db = openDatabase(dir);
      return {
        store: new SqliteAuditStore(db, 60_000, now),
        reopen: () => new SqliteAuditStore(db, 60_000, now),
        close: async () => {
          db.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'Redis',
    skip: SKIP_REDIS,
    open: async (now) => {
      redis ??= await startRedis();
      const url = redis.url;
      const connect = () => {
        const client = new Redis(url);
        clients.push(client);
        return new RedisAuditStore(
          client,
          'refusals:',
          new StoreDeadline(client, 5_000),
          60_000,
          now,
        );
      };
      return { store: connect(), reopen: connect, close: async () => {} };
    },
  },
];

afterAll(async () => {
  for (const client of clients) client.disconnect();
  await redis?.stop();
});

describe.each(STORES)('refused attempts past the rate, $name store', ({ skip, open }) => {
  // The trail's clock: windows move only when the test moves it.
  let clock = REFUSAL_RATE.windowMs * 30_000_000;
  const now = () => clock;
  const logs: string[] = [];
  let opened: Opened;
  let trail: AuditTrail;

  beforeAll(async () => {
    if (skip) return;
    opened = await open(now);
    trail = new AuditTrail({
      store: opened.store,
      logger: pino({ level: 'debug' }, { write: (line: string) => logs.push(line) }),
      secrets: [],
      retentionDays: 90,
      now,
    });
  });

  afterAll(async () => {
    await opened?.close();
  });

  const all = async (store: AuditStore, actor: string): Promise<AuditEntry[]> =>
    store.page({ actor, limit: 1_000 });
  const attemptsByOperation = (entries: readonly AuditEntry[]) => {
    const out: Record<string, number> = {};
    for (const e of entries) out[e.operation] = (out[e.operation] ?? 0) + (e.attempts ?? 1);
    return out;
  };

  it.skipIf(skip)(
    'stores the first of a window in full, counts the rest exactly, per caller',
    async () => {
      // Window 1: eve's 40 documents at once (120 attempts), bob's 3 (within his own rate).
      await Promise.all([
        ...Array.from({ length: 40 }, () => trail.refuse(EVE, DOCUMENT)),
        ...Array.from({ length: 3 }, () => trail.refuse(BOB, DOCUMENT.slice(2))),
      ]);
      // Window 2: 5 more of eve's (15 attempts).
      clock += REFUSAL_RATE.windowMs;
      for (let i = 0; i < 5; i++) await trail.refuse(EVE, DOCUMENT);

      // Read as a restarted process would: every count is in the store already.
      const eve = await all(opened.reopen(), 'eve');
      expect(attemptsByOperation(eve)).toEqual({ installUpdate: 90, refreshPluginDrivers: 45 });
      expect(eve.every((e) => e.outcome === 'FORBIDDEN' && e.errorCode === 'FORBIDDEN')).toBe(true);
      const own = eve.filter((e) => e.attempts === undefined);
      const counted = eve.filter((e) => e.attempts !== undefined);
      expect(own).toHaveLength(2 * REFUSAL_RATE.stored);
      // One counted entry per mutation field and window, arguments not kept.
      expect(counted).toHaveLength(4);
      expect(counted.every((e) => e.arguments === undefined && e.argumentsTruncated)).toBe(true);
      // A stored attempt keeps a bounded copy and says so.
      const long = own.find((e) => JSON.stringify(e.arguments).includes('…[+'));
      expect(long?.argumentsTruncated).toBe(true);

      const bob = await all(opened.reopen(), 'bob');
      expect(bob.map((e) => e.attempts ?? 1)).toEqual([1, 1, 1]);
    },
  );

  it.skipIf(skip)(
    'logs each counted entry once, with its final count, when its window ends',
    async () => {
      const counting = logs
        .map((l) => JSON.parse(l) as { msg: string })
        .filter((l) => l.msg.startsWith('refused attempts past the rate'));
      await trail.close();
      const audit = logs
        .map((l) => JSON.parse(l) as { msg: string; actor: { name: string }; attempts?: number })
        .filter((l) => l.msg === 'audit' && l.actor.name === 'eve');
      expect(audit.reduce((sum, l) => sum + (l.attempts ?? 1), 0)).toBe(135);
      expect(audit.filter((l) => l.attempts !== undefined)).toHaveLength(counting.length);
      expect(audit).toHaveLength(2 * REFUSAL_RATE.stored + counting.length);
    },
  );
});
