import { statSync } from 'node:fs';
import type { StoreProblem } from './readiness.ts';
import type { FileIdentity, SqliteDatabase, WriteObserver } from './sqlite.ts';

/** How often the file is looked at when no readiness probe asks (so that it is logged). */
export const CHECK_EVERY_MS = 5_000;

/**
 * Bigger than a task or audit row: a probe that commits says a real write would, and the pages
 * it freed are there for the next ones.
 */
const PROBE_BYTES = 8_192;

export interface SqliteHealthOptions {
  /** The database file's path and its identity when it was opened (store/sqlite.ts). */
  readonly file: string;
  readonly identity: FileIdentity;
  /** A problem began (or became another): logged as an error, once. */
  readonly onProblem: (problem: StoreProblem) => void;
  /** The problem that was reported is over. */
  readonly onRecovered: (was: StoreProblem) => void;
}

/**
 * Whether the SQLite store can do its job, for /readyz. Two ways it cannot while every query
 * still succeeds or fails alone:
 * - its file is gone or replaced: writes land in a file that no later process opens (a deleted
 *   file lives on while open), so whatever happens from then on is lost at the next restart;
 * - its writes fail (disk full, I/O error, read-only): the last one failed and none succeeded
 *   since. Once failing, each check tries a probe write, so that it becomes ready again when
 *   the disk has room, without waiting for a caller's write.
 */
export class SqliteHealth implements WriteObserver {
  private fileProblem: StoreProblem | undefined;
  private writeProblem: StoreProblem | undefined;
  /** The problem last reported, so that each one is logged once. */
  private shown: StoreProblem | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly probe: () => void;

  constructor(
    db: SqliteDatabase,
    private readonly options: SqliteHealthOptions,
  ) {
    db.exec('CREATE TABLE IF NOT EXISTS readiness_probe (pad BLOB NOT NULL)');
    const insert = db.prepare<[number]>('INSERT INTO readiness_probe (pad) VALUES (zeroblob(?))');
    const clear = db.prepare('DELETE FROM readiness_probe');
    const probe = db.transaction(() => {
      insert.run(PROBE_BYTES);
      clear.run();
    });
    this.probe = () => probe.immediate();
  }

  wrote(): void {
    if (this.writeProblem === undefined) return;
    this.writeProblem = undefined;
    this.report();
  }

  writeFailed(err: unknown): void {
    const code = storeFailure(err);
    if (code === undefined) return;
    this.writeProblem = writesFail(code);
    this.report();
  }

  /** The store's problem now: the file first (writes to a deleted file succeed), then writes. */
  check(): StoreProblem | undefined {
    this.fileProblem = this.lookAtFile();
    if (this.writeProblem !== undefined && this.fileProblem === undefined) {
      try {
        this.probe();
        this.writeProblem = undefined;
      } catch (err) {
        this.writeProblem = writesFail(storeFailure(err) ?? 'SQLITE_ERROR');
      }
    }
    this.report();
    return this.fileProblem ?? this.writeProblem;
  }

  /** Checks every `everyMs` in the background, for the log (the timer keeps no process alive). */
  start(everyMs = CHECK_EVERY_MS): void {
    this.timer ??= setInterval(() => this.check(), everyMs);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private lookAtFile(): StoreProblem | undefined {
    let now: FileIdentity | undefined;
    try {
      now = statSync(this.options.file, { bigint: true, throwIfNoEntry: false });
    } catch (err) {
      // The directory itself unreadable or gone in an odd way: the file is not where it was.
      return { ...DATA_FILE_GONE, reason: `${DATA_FILE_GONE.reason} (${codeOf(err)})` };
    }
    if (now === undefined) return DATA_FILE_GONE;
    const { dev, ino } = this.options.identity;
    return now.dev === dev && now.ino === ino ? undefined : DATA_FILE_REPLACED;
  }

  private report(): void {
    const now = this.fileProblem ?? this.writeProblem;
    const was = this.shown;
    if (now?.code === was?.code && now?.reason === was?.reason) return;
    this.shown = now;
    if (now) this.options.onProblem(now);
    else if (was) this.options.onRecovered(was);
  }
}

const DATA_FILE_GONE: StoreProblem = {
  store: 'sqlite',
  code: 'DATA_FILE_GONE',
  reason:
    'the database file was deleted while in use: what is written from now on is lost when the process ends',
};

const DATA_FILE_REPLACED: StoreProblem = {
  store: 'sqlite',
  code: 'DATA_FILE_REPLACED',
  reason:
    'another file has taken the database file\u2019s name: this process still writes to the one it opened, which is lost when it ends',
};

function writesFail(code: string): StoreProblem {
  return { store: 'sqlite', code: 'STORE_WRITE_FAILED', reason: `writes fail: ${code}` };
}

/**
 * The SQLite code of an error that says the store cannot write (disk full, I/O error, read-only
 * file, corruption); undefined for others: a constraint is this code's refusal, not the store's,
 * and an error without a code (the database closed at shutdown) says nothing about the disk.
 */
function storeFailure(err: unknown): string | undefined {
  // A store's StoreUnavailableError carries SQLite's error as its cause.
  const code = codeOf(err)?.startsWith('SQLITE_')
    ? codeOf(err)
    : codeOf((err as { cause?: unknown } | undefined)?.cause);
  if (!code?.startsWith('SQLITE_') || code.startsWith('SQLITE_CONSTRAINT')) return undefined;
  return code;
}

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}
