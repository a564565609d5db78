import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';

/** The SQLite database of the durable embedded store (SPEC §11), one file in PLUGIN_GRAPH_DATA_DIR. */
export type SqliteDatabase = Database.Database;

export const DATABASE_FILE = 'plugin-graph.sqlite';
/**
 * Held (an OS file lock) by the process that uses the data dir. Apart from the database: a
 * database file deleted under a running server would otherwise let a second one start beside it.
 */
export const LOCK_FILE = 'plugin-graph.lock';

/** Outcomes of the writes to the database, for readiness (store/sqlite-health.ts). */
export interface WriteObserver {
  wrote(): void;
  writeFailed(err: unknown): void;
}

/** Which file a path named when it was opened (bigints: an inode number may pass 2^53). */
export interface FileIdentity {
  readonly dev: bigint;
  readonly ino: bigint;
}

/** The data dir as a running server holds it: its lock, its database and that file's identity. */
export interface DataDir {
  readonly database: SqliteDatabase;
  /** The database file's path (logged, never served). */
  readonly file: string;
  readonly identity: FileIdentity;
  /** Closes the database, then lets the lock go. */
  close(): void;
}

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
 * Takes the data dir's lock, then opens its database: a second process is refused (DataDirError,
 * "in use by another plugin-graph process") while the first lives, even after its database file
 * was deleted. The OS drops the lock when its holder dies, kill -9 included: no stale lock.
 */
export function openDataDir(dataDir: string): DataDir {
  const path = resolve(dataDir);
  const lock = lockDataDir(path);
  try {
    const database = openDatabase(path);
    const file = join(path, DATABASE_FILE);
    const { dev, ino } = statSync(file, { bigint: true });
    return {
      database,
      file,
      identity: { dev, ino },
      close() {
        database.close();
        lock.close();
      },
    };
  } catch (err) {
    lock.close();
    throw err instanceof DataDirError ? err : new DataDirError(path, { cause: err });
  }
}

/**
 * The lock is SQLite's own file lock on LOCK_FILE, kept by EXCLUSIVE locking mode: POSIX locks
 * that Node cannot take otherwise, released by the OS with the process. Nothing is stored in it.
 */
function lockDataDir(path: string): SqliteDatabase {
  let lock: SqliteDatabase | undefined;
  try {
    mkdirSync(path, { recursive: true });
    accessSync(path, constants.W_OK);
    lock = new Database(join(path, LOCK_FILE));
    lock.pragma('locking_mode = EXCLUSIVE');
    // A restart may overlap the old process's last moments; past this the holder is alive.
    lock.pragma('busy_timeout = 2000');
    lock.exec('BEGIN IMMEDIATE; COMMIT');
  } catch (err) {
    lock?.close();
    throw new DataDirError(path, { cause: err });
  }
  return lock;
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
