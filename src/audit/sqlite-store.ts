import { StoreUnavailableError } from '../store/errors.ts';
import type { SqliteDatabase, WriteObserver } from '../store/sqlite.ts';
import { decodeEntry, encodeEntry } from './codec.ts';
import {
  type AuditCompletion,
  type AuditEntry,
  type AuditQuery,
  type AuditStart,
  type AuditStore,
  INTERRUPTED,
  settle,
} from './types.ts';

/**
 * The trail in the data dir's SQLite database (src/store/sqlite.ts): one row an entry, the entry
 * as JSON beside the columns it is filtered and ordered by. `(at, id)` is the index every page
 * walks, newest first; `actor` and `operation` filter within it.
 *
 * One process writes this database (WAL, one writer). So when it opens the store, no mutation of
 * an earlier process can still be running: an entry left without outcome was interrupted (the
 * process was killed between the first write and the outcome) and is completed FAILED, errorCode
 * INTERRUPTED, there and then. While it runs, entries read as `settle` (types.ts) says.
 */
export class SqliteAuditStore implements AuditStore {
  private readonly statements;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly interruptedAfterMs: number,
    private readonly now: () => number = Date.now,
    private readonly writes?: WriteObserver,
  ) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS audit (
        id TEXT PRIMARY KEY,
        at INTEGER NOT NULL,
        actor TEXT NOT NULL,
        operation TEXT NOT NULL,
        outcome TEXT,
        entry TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS audit_at ON audit (at, id);
    `);
    this.statements = {
      insert: db.prepare(
        'INSERT INTO audit (id, at, actor, operation, outcome, entry) VALUES (?, ?, ?, ?, NULL, ?)',
      ),
      get: db.prepare<[string], { entry: string }>('SELECT entry FROM audit WHERE id = ?'),
      complete: db.prepare(
        'UPDATE audit SET outcome = ?, entry = ? WHERE id = ? AND outcome IS NULL',
      ),
      recount: db.prepare('UPDATE audit SET entry = ? WHERE id = ?'),
      pending: db.prepare<[], { id: string; entry: string }>(
        'SELECT id, entry FROM audit WHERE outcome IS NULL',
      ),
      trim: db.prepare('DELETE FROM audit WHERE at < ?'),
    };
    this.settleInterrupted();
  }

  async begin(start: AuditStart): Promise<void> {
    this.write(
      () =>
        this.statements.insert.run(
          start.id,
          start.at.getTime(),
          start.actor.name,
          start.operation,
          encodeEntry(start),
        ).changes,
    );
  }

  async complete(id: string, completion: AuditCompletion): Promise<void> {
    this.write(() =>
      this.db.transaction(() => {
        const row = this.statements.get.get(id);
        if (!row) return 0;
        const entry = { ...decodeEntry(row.entry), ...dropUndefined(completion) };
        return this.statements.complete.run(completion.outcome, encodeEntry(entry), id).changes;
      })(),
    );
  }

  async recount(id: string, attempts: number): Promise<void> {
    this.write(() =>
      this.db.transaction(() => {
        const row = this.statements.get.get(id);
        if (!row) return 0;
        return this.statements.recount.run(encodeEntry({ ...decodeEntry(row.entry), attempts }), id)
          .changes;
      })(),
    );
  }

  async get(id: string): Promise<AuditEntry | undefined> {
    const row = guard(() => this.statements.get.get(id));
    return row ? settle(decodeEntry(row.entry), this.now(), this.interruptedAfterMs) : undefined;
  }

  async page(query: AuditQuery): Promise<AuditEntry[]> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    const add = (sql: string, ...values: (string | number)[]) => {
      where.push(sql);
      params.push(...values);
    };
    // Entries in flight are not listed until they complete or read as interrupted (`settle`).
    add('(outcome IS NOT NULL OR at <= ?)', this.now() - this.interruptedAfterMs);
    if (query.actor !== undefined) add('actor = ?', query.actor);
    if (query.operation !== undefined) add('operation = ?', query.operation);
    if (query.scope !== undefined) {
      // audit/types.ts inScope on the stored JSON: the caller's own, or of a place it operates.
      const { places, actor } = query.scope;
      const place = "coalesce(json_extract(entry, '$.endpoint'), json_extract(entry, '$.backend'))";
      const operated =
        places.length === 0 ? '' : ` OR ${place} IN (${places.map(() => '?').join(', ')})`;
      add(`(actor = ?${operated})`, actor, ...places);
    }
    if (query.since !== undefined) add('at >= ?', query.since.getTime());
    if (query.olderThan !== undefined) {
      const at = query.olderThan.at.getTime();
      add('(at < ? OR (at = ? AND id < ?))', at, at, query.olderThan.id);
    }
    if (query.newerThan !== undefined) {
      const at = query.newerThan.at.getTime();
      add('(at > ? OR (at = ? AND id > ?))', at, at, query.newerThan.id);
    }
    const order = query.oldestFirst ? 'at ASC, id ASC' : 'at DESC, id DESC';
    const sql = `SELECT entry FROM audit WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ?`;
    // Columns and order come from this code only; every value is a bound parameter.
    const rows = guard(() =>
      this.db.prepare<unknown[], { entry: string }>(sql).all(...params, query.limit),
    );
    const now = this.now();
    return rows.flatMap(
      (row) => settle(decodeEntry(row.entry), now, this.interruptedAfterMs) ?? [],
    );
  }

  async trim(before: Date): Promise<number> {
    return this.write(() => this.statements.trim.run(before.getTime()).changes);
  }

  /**
   * A write (`call` returns the rows it changed), its outcome told to `writes` for readiness
   * (store/sqlite-health.ts): one that changed nothing wrote nothing, and proves nothing.
   */
  private write(call: () => number): number {
    let changes: number;
    try {
      changes = call();
    } catch (err) {
      this.writes?.writeFailed(err);
      throw new StoreUnavailableError({ cause: err });
    }
    if (changes > 0) this.writes?.wrote();
    return changes;
  }

  /** The database is the runtime's: whoever opened it closes it. */
  async close(): Promise<void> {}

  private settleInterrupted(): void {
    const settle = this.db.transaction(() => {
      for (const row of this.statements.pending.all()) {
        const entry = {
          ...decodeEntry(row.entry),
          outcome: 'FAILED' as const,
          errorCode: INTERRUPTED,
        };
        this.statements.complete.run('FAILED', encodeEntry(entry), row.id);
      }
    });
    settle();
  }
}

/** SQLite refused (busy past busy_timeout, disk full, database closed): STORE_UNAVAILABLE. */
function guard<T>(call: () => T): T {
  try {
    return call();
  } catch (err) {
    throw new StoreUnavailableError({ cause: err });
  }
}

function dropUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
