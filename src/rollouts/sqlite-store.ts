import { StoreUnavailableError } from '../store/errors.ts';
import type { SqliteDatabase } from '../store/sqlite.ts';
import { rolloutCodec } from './codec.ts';
import { newestFirst, type RolloutStore } from './store.ts';
import type { RolloutHeader, RolloutStatus, RolloutUnit } from './types.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS rollouts (
  id TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS rollouts_by_time ON rollouts (created_at DESC, id);
CREATE TABLE IF NOT EXISTS rollout_units (
  rollout TEXT NOT NULL,
  idx INTEGER NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (rollout, idx)
);
`;

function guarded<T>(run: () => T): Promise<T> {
  try {
    return Promise.resolve(run());
  } catch (err) {
    return Promise.reject(new StoreUnavailableError({ cause: err }));
  }
}

/**
 * Rollouts in the data dir's SQLite database, beside the tasks: one row per rollout and one per
 * unit, a change written as one transaction (the header and the units it changed), so that a
 * unit's task id is on disk before its launch and survives `kill -9`.
 */
export class SqliteRolloutStore implements RolloutStore {
  private readonly statements;
  private readonly saveAll: (header: RolloutHeader, units: readonly RolloutUnit[]) => void;

  constructor(db: SqliteDatabase) {
    db.exec(SCHEMA);
    this.statements = {
      header: db.prepare<[string, string, number, string]>(
        `INSERT INTO rollouts (id, status, created_at, body) VALUES (?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, body = excluded.body`,
      ),
      unit: db.prepare<[string, number, string]>(
        `INSERT INTO rollout_units (rollout, idx, body) VALUES (?, ?, ?)
         ON CONFLICT (rollout, idx) DO UPDATE SET body = excluded.body`,
      ),
      get: db.prepare<[string], { body: string }>('SELECT body FROM rollouts WHERE id = ?'),
      units: db.prepare<[string], { body: string }>(
        'SELECT body FROM rollout_units WHERE rollout = ? ORDER BY idx',
      ),
      list: db.prepare<[], { body: string }>(
        'SELECT body FROM rollouts ORDER BY created_at DESC, id',
      ),
    };
    this.saveAll = db.transaction((header: RolloutHeader, units: readonly RolloutUnit[]) => {
      this.statements.header.run(
        header.id,
        header.status,
        header.createdAt.getTime(),
        rolloutCodec.stringify(header),
      );
      for (const unit of units)
        this.statements.unit.run(header.id, unit.index, rolloutCodec.stringify(unit));
    });
  }

  save(header: RolloutHeader, units: readonly RolloutUnit[]): Promise<void> {
    return guarded(() => this.saveAll(header, units));
  }

  get(id: string): Promise<RolloutHeader | undefined> {
    return guarded(() => {
      const row = this.statements.get.get(id);
      return row && rolloutCodec.header(row.body);
    });
  }

  units(id: string): Promise<RolloutUnit[]> {
    return guarded(() => this.statements.units.all(id).map((row) => rolloutCodec.unit(row.body)));
  }

  list(statuses?: readonly RolloutStatus[]): Promise<RolloutHeader[]> {
    return guarded(() => {
      const wanted = statuses && new Set(statuses);
      return this.statements.list
        .all()
        .map((row) => rolloutCodec.header(row.body))
        .filter((h) => !wanted || wanted.has(h.status))
        .sort(newestFirst);
    });
  }
}
