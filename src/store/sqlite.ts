import { accessSync, constants, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';

/** The SQLite database of the durable embedded store (SPEC §11), one file in PLUGIN_GRAPH_DATA_DIR. */
export type SqliteDatabase = Database.Database;

export const DATABASE_FILE = 'plugin-graph.sqlite';

/**
 * The data dir cannot hold the database (missing and not creatable, read-only, not a directory).
 * server.ts reports it at start-up, naming the path, and exits 1.
 */
export class DataDirError extends Error {
  override readonly name = 'DataDirError';
  constructor(
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    const code = (options?.cause as { code?: string } | undefined)?.code;
    // SQLITE_BUSY at open: the exclusive lock is held, i.e. another plugin-graph uses the dir.
    const reason =
      code === 'SQLITE_BUSY' ? 'in use by another plugin-graph process' : (code ?? 'not writable');
    super(`PLUGIN_GRAPH_DATA_DIR ${path} cannot hold the task store (${reason})`, options);
  }
}

/**
 * Opens (creating where needed) the store's database in `dataDir`. WAL mode: readers never wait
 * for the one writer (this process), and a `kill -9` loses no committed write. Each module that
 * keeps rows here (tasks, audit) creates its own tables with `CREATE TABLE IF NOT EXISTS`.
 */
export function openDatabase(dataDir: string): SqliteDatabase {
  const path = resolve(dataDir);
  let db: SqliteDatabase | undefined;
  try {
    mkdirSync(path, { recursive: true });
    accessSync(path, constants.W_OK);
    db = new Database(join(path, DATABASE_FILE));
    // One writer: the first transaction takes the file's lock and EXCLUSIVE keeps it until the
    // process ends (the OS drops it on kill -9), so a second process fails here, not later.
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = WAL');
    // With WAL, NORMAL still survives a process crash (kill -9); only a power loss may roll
    // back the last transactions.
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 2000');
    db.exec('BEGIN IMMEDIATE; COMMIT');
  } catch (err) {
    db?.close();
    throw new DataDirError(path, { cause: err });
  }
  return db;
}
