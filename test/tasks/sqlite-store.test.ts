import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../src/store/errors.ts';
import { openDatabase, type SqliteDatabase } from '../../src/store/sqlite.ts';
import { SqliteTaskLocks } from '../../src/tasks/sqlite-coordination.ts';
import { SqliteTaskStore } from '../../src/tasks/sqlite-store.ts';
import type { Task } from '../../src/tasks/types.ts';
import { startTestRuntime, type TestRuntime } from '../helpers/runtime.ts';
import { INSTALL } from '../subscriptions/helpers.ts';

const dirs: string[] = [];
const open: { close(): unknown }[] = [];
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function database(): { db: SqliteDatabase; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'plugin-graph-sqlite-'));
  dirs.push(dir);
  const db = openDatabase(dir);
  open.push(db);
  return { db, dir };
}

const at = (ms: number) => new Date(ms);

function task(id: string, fields: Partial<Task> = {}): Task {
  return {
    id,
    backend: 'appliance',
    operation: 'APPLIANCE_UPDATE',
    status: 'RUNNING',
    createdAt: at(1_000),
    updatedAt: at(1_000),
    ...fields,
  } as Task;
}

/** Fills the database's last free pages, as a full disk would (SQLITE_FULL on the next write). */
function fill(db: SqliteDatabase): void {
  const pages = db.pragma('page_count', { simple: true }) as number;
  db.pragma(`max_page_count = ${pages}`);
}

describe('SqliteTaskStore', () => {
  it('keeps tasks in the file, Dates and fields it does not know included, live ones apart', async () => {
    const { db, dir } = database();
    const store = new SqliteTaskStore(db, 60);
    const running = { ...task('a:1'), startedBy: { name: 'alice', role: 'operator' } } as Task;
    await store.put(running);
    await store.put(task('a:2', { status: 'SUCCESS', completedAt: new Date() }));
    db.close();

    // Another connection on the same file (a restarted process) reads the same tasks.
    const again = openDatabase(dir);
    open.push(again);
    const reopened = new SqliteTaskStore(again, 60);
    expect(await reopened.get('a:1')).toEqual(running);
    expect((await reopened.get('a:1'))?.createdAt).toBeInstanceOf(Date);
    expect((await reopened.list()).map((t) => t.id)).toEqual(['a:1', 'a:2']);
    expect((await reopened.listLive()).map((t) => t.id)).toEqual(['a:1']);
    await reopened.delete('a:1');
    expect(await reopened.get('a:1')).toBeUndefined();
  });

  it('finished tasks expire after the TTL: never read again, and their rows are deleted', async () => {
    const { db } = database();
    let now = 10_000;
    const store = new SqliteTaskStore(db, 5, () => now);
    await store.put(task('a:done', { status: 'SUCCESS', completedAt: at(10_000) }));
    await store.put(task('a:live'));
    now = 14_000;
    expect((await store.get('a:done'))?.status).toBe('SUCCESS');
    now = 15_001;
    expect(await store.get('a:done')).toBeUndefined();
    expect((await store.list()).map((t) => t.id)).toEqual(['a:live']);
    // The next write sweeps the expired rows out of the table.
    await store.put(task('a:other'));
    const rows = db.prepare('SELECT id FROM tasks ORDER BY id').all();
    expect(rows).toEqual([{ id: 'a:live' }, { id: 'a:other' }]);
  });

  it('a write SQLite refuses (disk full) is StoreUnavailableError', async () => {
    const { db } = database();
    const store = new SqliteTaskStore(db, 60);
    fill(db);
    const big = task('a:big', { description: 'x'.repeat(64_000) });
    await expect(store.put(big)).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it('a lock held by a live stored task is a conflict in a new process; one whose task ended is taken over', async () => {
    const { db } = database();
    const store = new SqliteTaskStore(db, 60);
    const first = new SqliteTaskLocks(db, store, { pendingMs: 1_000 });
    await first.hold('k', 'a:1', async () => {
      const t = task('a:1');
      await store.put(t);
      return t;
    });
    // A second lock table object = a restarted process (another owner) on the same file.
    const restarted = new SqliteTaskLocks(db, store, { pendingMs: 1_000 });
    let called = 0;
    const launch = (id: string) => async () => {
      called += 1;
      const t = task(id);
      await store.put(t);
      return t;
    };
    await expect(restarted.hold('k', 'a:2', launch('a:2'))).rejects.toMatchObject({
      code: 'CONFLICT',
      taskId: 'a:1',
    });
    expect(called).toBe(0);
    await store.put(task('a:1', { status: 'SUCCESS', completedAt: new Date() }));
    await restarted.hold('k', 'a:3', launch('a:3'));
    expect(called).toBe(1);
  });

  it('a pending lock of a launch that died before storing its task is freed', async () => {
    const { db } = database();
    const store = new SqliteTaskStore(db, 60);
    const dead = new SqliteTaskLocks(db, store, { pendingMs: 60_000 });
    // The launch never completes: its process died during the vendor call, nothing was stored.
    void dead.hold('k', 'a:ghost', () => new Promise<Task>(() => {}));
    const restarted = new SqliteTaskLocks(db, store, { pendingMs: 60_000 });
    const t = await restarted.hold('k', 'a:1', async () => task('a:1'));
    expect(t.id).toBe('a:1');
  });
});

describe('the runtime on a data dir', () => {
  let t: TestRuntime | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('a launch the store cannot take (SQLite refuses writes) answers STORE_UNAVAILABLE and the vendor is never called', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plugin-graph-sqlite-'));
    dirs.push(dir);
    t = await startTestRuntime({ config: { dataDir: dir } });
    const db = t.runtime.database;
    expect(db).toBeDefined();
    // Every write fails (SQLITE_READONLY) while reads still work, as on a failing disk.
    db!.pragma('query_only = 1');
    const res = await t.gql(INSTALL, { version: '9.0.3.0' });
    expect(res.errors?.[0]?.extensions?.code).toBe('STORE_UNAVAILABLE');
    expect(t.appliance.server.count({ method: 'POST', path: /\/actions\/install$/ })).toBe(0);
    db!.pragma('query_only = 0');
  });
});
