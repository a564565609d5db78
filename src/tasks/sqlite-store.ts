import type Database from 'better-sqlite3';
import { StoreUnavailableError } from '../store/errors.ts';
import type { SqliteDatabase, WriteObserver } from '../store/sqlite.ts';
import { taskSerializer } from './redis-store.ts';
import type { TaskStore } from './store.ts';
import type { TaskCount, TaskPageQuery } from './task-index.ts';
import { isTerminal, type Task, type TaskStatus } from './types.ts';

/** How often, at most, expired rows are deleted (on a write): bounded growth, cheap writes. */
const SWEEP_EVERY_MS = 1_000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS tasks (
  id TEXT PRIMARY KEY,
  backend TEXT NOT NULL,
  endpoint TEXT NOT NULL,
  status TEXT NOT NULL,
  live INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  completed_at INTEGER,
  expires_at INTEGER,
  body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS tasks_by_status ON tasks (status, created_at DESC, id);
CREATE INDEX IF NOT EXISTS tasks_by_time ON tasks (created_at DESC, id);
CREATE INDEX IF NOT EXISTS tasks_by_endpoint ON tasks (endpoint, created_at DESC, id);
CREATE INDEX IF NOT EXISTS tasks_groups ON tasks (backend, endpoint, status);
CREATE INDEX IF NOT EXISTS tasks_live ON tasks (created_at) WHERE live = 1;
CREATE INDEX IF NOT EXISTS tasks_expiry ON tasks (expires_at) WHERE expires_at IS NOT NULL;
`;

/** Every failure of SQLite (disk full, I/O error, database closed) answers STORE_UNAVAILABLE. */
function guarded<T>(run: () => T): Promise<T> {
  try {
    return Promise.resolve(run());
  } catch (err) {
    return Promise.reject(new StoreUnavailableError({ cause: err }));
  }
}

/**
 * A write (`run` returns the rows it changed), its outcome told to `writes` for readiness
 * (store/sqlite-health.ts): one that changed nothing wrote nothing, and proves nothing.
 */
function guardedWrite(writes: WriteObserver | undefined, run: () => number): Promise<void> {
  let changes: number;
  try {
    changes = run();
  } catch (err) {
    writes?.writeFailed(err);
    return Promise.reject(new StoreUnavailableError({ cause: err }));
  }
  if (changes > 0) writes?.wrote();
  return Promise.resolve();
}

/**
 * Tasks in the SQLite database of the data dir (SPEC §11): one row per task, the task itself as
 * JSON (`taskSerializer`, so fields added to Task persist without a migration) beside the
 * columns the queries need. A finished task gets `expires_at` (completion + TTL): reads skip it
 * from then on and a sweep deletes it. better-sqlite3 is synchronous; the calls are microseconds
 * on a local file, so they run inline behind the async interface.
 */
export class SqliteTaskStore implements TaskStore {
  private readonly statements;
  private lastSweep = 0;

  /** `page` statements by the filters they have (statuses count, backend, endpoint). */
  private readonly pages = new Map<string, Database.Statement<unknown[], { body: string }>>();

  constructor(
    private readonly db: SqliteDatabase,
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
    private readonly writes?: WriteObserver,
  ) {
    db.exec(SCHEMA);
    this.statements = {
      get: db.prepare<[string, number], { body: string }>(
        'SELECT body FROM tasks WHERE id = ? AND (expires_at IS NULL OR expires_at > ?)',
      ),
      put: db.prepare<
        [
          string,
          string,
          string,
          string,
          number,
          number,
          number,
          number | null,
          number | null,
          string,
        ]
      >(
        `INSERT INTO tasks (id, backend, endpoint, status, live, created_at, updated_at,
           completed_at, expires_at, body)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, live = excluded.live,
           updated_at = excluded.updated_at, completed_at = excluded.completed_at,
           expires_at = excluded.expires_at, body = excluded.body`,
      ),
      delete: db.prepare<[string]>('DELETE FROM tasks WHERE id = ?'),
      list: db.prepare<[number], { body: string }>(
        'SELECT body FROM tasks WHERE expires_at IS NULL OR expires_at > ? ORDER BY created_at, id',
      ),
      listLive: db.prepare<[], { body: string }>(
        'SELECT body FROM tasks WHERE live = 1 ORDER BY created_at',
      ),
      live: db.prepare<[string], { live: number }>('SELECT live FROM tasks WHERE id = ?'),
      counts: db.prepare<[number], TaskCount>(
        `SELECT backend, endpoint, status, count(*) AS count FROM tasks
         WHERE expires_at IS NULL OR expires_at > ? GROUP BY backend, endpoint, status`,
      ),
      sweep: db.prepare<[number]>(
        'DELETE FROM tasks WHERE expires_at IS NOT NULL AND expires_at <= ?',
      ),
    };
    this.sweep();
  }

  get(id: string): Promise<Task | undefined> {
    return guarded(() => {
      const row = this.statements.get.get(id, this.now());
      return row === undefined ? undefined : parse(row.body);
    });
  }

  put(task: Task): Promise<void> {
    return guardedWrite(this.writes, () => {
      const completedAt = task.completedAt?.getTime() ?? null;
      const { changes } = this.statements.put.run(
        task.id,
        task.backend,
        task.endpoint ?? task.backend,
        task.status,
        isTerminal(task.status) ? 0 : 1,
        task.createdAt.getTime(),
        task.updatedAt.getTime(),
        completedAt,
        completedAt === null ? null : completedAt + this.ttlSeconds * 1000,
        taskSerializer.stringify(task),
      );
      if (this.now() - this.lastSweep >= SWEEP_EVERY_MS) this.sweep();
      return changes;
    });
  }

  delete(id: string): Promise<void> {
    return guardedWrite(this.writes, () => this.statements.delete.run(id).changes);
  }

  list(): Promise<Task[]> {
    return guarded(() => this.statements.list.all(this.now()).map((row) => parse(row.body)));
  }

  listLive(): Promise<Task[]> {
    return guarded(() => this.statements.listLive.all().map((row) => parse(row.body)));
  }

  /** Newest first through the status / time / endpoint indexes: LIMIT and OFFSET, no sort. */
  page(query: TaskPageQuery): Promise<Task[]> {
    return guarded(() => {
      const statuses: readonly TaskStatus[] = query.statuses ?? [];
      const endpoints: readonly string[] = query.endpoints ?? [];
      if (query.endpoints?.length === 0) return [];
      const shape = `${statuses.length}:${query.backend ? 'b' : ''}:${query.endpoint ? 'e' : ''}:${endpoints.length}`;
      let statement = this.pages.get(shape);
      if (!statement) {
        const where = ['(expires_at IS NULL OR expires_at > ?)'];
        if (statuses.length > 0) where.push(`status IN (${statuses.map(() => '?').join(', ')})`);
        if (query.backend) where.push('backend = ?');
        if (query.endpoint) where.push('endpoint = ?');
        if (endpoints.length > 0)
          where.push(`endpoint IN (${endpoints.map(() => '?').join(', ')})`);
        statement = this.db.prepare<unknown[], { body: string }>(
          `SELECT body FROM tasks WHERE ${where.join(' AND ')}
           ORDER BY created_at DESC, id LIMIT ? OFFSET ?`,
        );
        this.pages.set(shape, statement);
      }
      const params: unknown[] = [this.now(), ...statuses];
      if (query.backend) params.push(query.backend);
      if (query.endpoint) params.push(query.endpoint);
      params.push(...endpoints);
      params.push(query.limit, query.offset);
      return statement.all(...params).map((row) => parse(row.body));
    });
  }

  /** Per backend, endpoint and status, from the `tasks_groups` index. */
  counts(): Promise<TaskCount[]> {
    return guarded(() => this.statements.counts.all(this.now()));
  }

  /**
   * Whether the task is stored and not finished, read synchronously so that the lock table
   * (sqlite-coordination.ts) can decide inside its own transaction. Throws what SQLite throws.
   */
  isLiveNow(id: string): boolean {
    return this.statements.live.get(id)?.live === 1;
  }

  /** Deletes the finished tasks past their TTL. */
  private sweep(): void {
    this.lastSweep = this.now();
    this.statements.sweep.run(this.lastSweep);
  }
}

const parse = (body: string): Task => taskSerializer.parse(body) as Task;
