import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreDeadline } from '../../src/store/redis-deadline.ts';
import { openDatabase } from '../../src/store/sqlite.ts';
import { RedisTaskStore } from '../../src/tasks/redis-store.ts';
import { SqliteTaskStore } from '../../src/tasks/sqlite-store.ts';
import { MemoryTaskStore, type TaskStore } from '../../src/tasks/store.ts';
import { newestFirst, type TaskCount } from '../../src/tasks/task-index.ts';
import type { Task, TaskStatus } from '../../src/tasks/types.ts';
import { type RedisServer, SKIP_REDIS, startRedis } from '../redis/redis-server.ts';

/**
 * `tasks()` pages and /metrics counts come from the store's index by status and time, in memory
 * in SQLite and in Redis alike: the same answers as filtering and sorting every task, without a scan.
 */

const T0 = Date.UTC(2026, 0, 1);

function task(i: number, status: TaskStatus, now: number): Task {
  const terminal = ['SUCCESS', 'ERROR', 'CANCELLED'].includes(status);
  return {
    id: `sdm:task-${String(i).padStart(4, '0')}`,
    backend: i % 3 === 0 ? 'hss' : 'sdm',
    ...(i % 5 === 0 ? { endpoint: 'sdm-b' } : {}),
    operation: 'PLUGIN_INSTALL',
    status,
    // Pairs share a createdAt: ties are ordered by id.
    createdAt: new Date(T0 + Math.floor(i / 2) * 1000),
    updatedAt: new Date(now),
    ...(terminal ? { completedAt: new Date(now) } : {}),
  };
}

function expected(all: Task[], statuses?: TaskStatus[], backend?: string) {
  return all
    .filter((t) => !statuses || statuses.includes(t.status))
    .filter((t) => !backend || t.backend === backend)
    .sort(newestFirst)
    .map((t) => t.id);
}

function byKey(counts: TaskCount[]): Record<string, number> {
  return Object.fromEntries(
    counts.map((c) => [`${c.backend}/${c.endpoint}/${c.status}`, c.count] as const),
  );
}

let redis: RedisServer | undefined;
let client: Redis | undefined;
beforeAll(async () => {
  if (SKIP_REDIS) return;
  redis = await startRedis();
  client = new Redis(redis.url);
});
afterAll(async () => {
  client?.disconnect();
  await redis?.stop();
});

let prefixes = 0;
const STORES: { name: string; make: (ttl: number) => TaskStore }[] = [
  { name: 'memory', make: (ttl) => new MemoryTaskStore(ttl) },
  {
    // A database file of its own per store: the file has one writer (store/sqlite.ts).
    name: 'sqlite',
    make: (ttl) => new SqliteTaskStore(openDatabase(mkdtempSync(join(tmpdir(), 'pg-idx-'))), ttl),
  },
  ...(SKIP_REDIS
    ? []
    : [
        {
          name: 'redis',
          make: (ttl: number) =>
            new RedisTaskStore(
              client!,
              ttl,
              `idx${prefixes++}:`,
              new StoreDeadline(client!, 2_000),
            ),
        },
      ]),
];

describe.each(STORES)('task store index ($name)', ({ make }) => {
  it('pages by status and time match a sort of every task, as states change', async () => {
    const store = make(3_600);
    const now = Date.now();
    let all = Array.from({ length: 120 }, (_, i) => task(i, 'RUNNING', now));
    for (const t of all) await store.put(t);
    // A third finish, a few fail: they move from the RUNNING index to their own.
    all = all.map((t, i) => (i % 3 === 0 ? task(i, i % 2 ? 'ERROR' : 'SUCCESS', now) : t));
    for (const t of all) await store.put(t);

    for (const statuses of [undefined, ['RUNNING'], ['SUCCESS', 'ERROR']] as TaskStatus[][]) {
      const want = expected(all, statuses);
      const first = await store.page({ statuses, offset: 0, limit: 20 });
      expect(first.map((t) => t.id)).toEqual(want.slice(0, 20));
      const later = await store.page({ statuses, offset: 35, limit: 20 });
      expect(later.map((t) => t.id)).toEqual(want.slice(35, 55));
    }
    const hss = await store.page({ statuses: ['RUNNING'], backend: 'hss', offset: 0, limit: 50 });
    expect(hss.map((t) => t.id)).toEqual(expected(all, ['RUNNING'], 'hss').slice(0, 50));
    const b = await store.page({ endpoint: 'sdm-b', offset: 0, limit: 100 });
    expect(b.map((t) => t.id)).toEqual(
      all
        .filter((t) => t.endpoint === 'sdm-b')
        .sort(newestFirst)
        .map((t) => t.id),
    );

    const counts = byKey(await store.counts());
    const scan: Record<string, number> = {};
    for (const t of all) {
      const key = `${t.backend}/${t.endpoint ?? t.backend}/${t.status}`;
      scan[key] = (scan[key] ?? 0) + 1;
    }
    expect(counts).toEqual(scan);
  });

  it('deleted and expired tasks leave the pages and the counts', async () => {
    const store = make(1);
    const now = Date.now();
    await store.put(task(1, 'RUNNING', now));
    await store.put(task(2, 'RUNNING', now));
    await store.put(task(4, 'SUCCESS', now - 5_000)); // finished 5 s ago, TTL 1 s: gone
    await store.delete(task(2, 'RUNNING', now).id);
    expect((await store.page({ offset: 0, limit: 10 })).map((t) => t.id)).toEqual([
      task(1, 'RUNNING', now).id,
    ]);
    expect(await store.page({ statuses: ['SUCCESS'], offset: 0, limit: 10 })).toEqual([]);
    expect(byKey(await store.counts())).toEqual({ 'sdm/sdm/RUNNING': 1 });
  });
});
