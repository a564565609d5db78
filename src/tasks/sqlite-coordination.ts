import { randomUUID } from 'node:crypto';
import { StoreUnavailableError } from '../store/errors.ts';
import type { SqliteDatabase, WriteObserver } from '../store/sqlite.ts';
import { conflict, type PollLeases, type TaskLocks } from './coordination.ts';
import type { SqliteTaskStore } from './sqlite-store.ts';
import { isTerminal, type Task } from './types.ts';

/**
 * One instance over the SQLite store: it polls every live task, its own and those it finds in
 * the store at start-up (launched before a restart). The leases only say which tasks this
 * process already polls, so that the take-over scan (polling.ts) resumes each task once.
 */
export class LocalPollLeases implements PollLeases {
  private readonly held = new Set<string>();

  constructor(readonly ttlMs: number) {}

  async acquire(taskId: string): Promise<boolean> {
    if (this.held.has(taskId)) return false;
    this.held.add(taskId);
    return true;
  }

  async renew(): Promise<string[]> {
    return []; // nobody else can take them
  }

  async release(taskId: string): Promise<void> {
    this.held.delete(taskId);
  }
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS task_locks (
  key TEXT PRIMARY KEY,
  task_id TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'task')),
  owner TEXT NOT NULL,
  pending_until INTEGER NOT NULL
);
`;

type Claim =
  | { readonly taken: true }
  | { readonly taken: false; readonly holder: string; readonly wait: boolean };

interface LockRow {
  readonly task_id: string;
  readonly state: 'pending' | 'task';
  readonly owner: string;
  readonly pending_until: number;
}

export interface SqliteTaskLocksOptions {
  /** How long a launch may hold a key before its vendor call returns (the launch window). */
  readonly pendingMs: number;
  /** How often a second launch looks again while the first one's vendor call runs. */
  readonly waitEveryMs?: number;
  /** A lock update SQLite refused after the vendor acted (the launch still succeeds). */
  readonly onError?: (err: unknown) => void;
  /** Told each write's outcome (readiness: store/sqlite-health.ts). */
  readonly writes?: WriteObserver;
}

/**
 * Conflict locks in the `task_locks` table, so that they survive a restart. While a launch calls
 * the vendor its key is `pending` (until the launch window ends), then `task` until the task
 * ends. A key is checked and taken in one transaction, so two launches never both get it. A
 * holder is a conflict while its task is live in the store; a key whose task ended, expired or
 * was never stored (the vendor refused, or the process died first) is stale and taken over. A
 * pending key of an earlier process (killed during its vendor call) is judged by its task too:
 * QUEUED is live, so it is a conflict until the take-over scan ends it LAUNCH_INTERRUPTED.
 */
export class SqliteTaskLocks implements TaskLocks {
  /** Tells this process's pending launches (still calling the vendor) from a dead one's. */
  private readonly owner = randomUUID();
  private readonly claimKey: (key: string, taskId: string, now: number) => Claim;
  private readonly statements;

  constructor(
    db: SqliteDatabase,
    private readonly store: SqliteTaskStore,
    private readonly options: SqliteTaskLocksOptions,
  ) {
    db.exec(SCHEMA);
    this.statements = {
      get: db.prepare<[string], LockRow>(
        'SELECT task_id, state, owner, pending_until FROM task_locks WHERE key = ?',
      ),
      take: db.prepare<[string, string, string, number]>(
        `INSERT OR REPLACE INTO task_locks (key, task_id, state, owner, pending_until)
         VALUES (?, ?, 'pending', ?, ?)`,
      ),
      settle: db.prepare<[string, string]>(
        "UPDATE task_locks SET state = 'task' WHERE key = ? AND task_id = ?",
      ),
      release: db.prepare<[string, string]>('DELETE FROM task_locks WHERE key = ? AND task_id = ?'),
    };
    const claim = db.transaction((key: string, taskId: string, now: number): Claim => {
      const row = this.statements.get.get(key);
      if (row) {
        const ownLaunchRunning =
          row.state === 'pending' && row.owner === this.owner && now <= row.pending_until;
        if (ownLaunchRunning) return { taken: false, holder: row.task_id, wait: true };
        if (this.store.isLiveNow(row.task_id))
          return { taken: false, holder: row.task_id, wait: false };
      }
      this.statements.take.run(key, taskId, this.owner, now + this.options.pendingMs);
      return { taken: true };
    });
    // IMMEDIATE: the write lock is taken before the read, so the check and the take are one step.
    this.claimKey = (key, taskId, now) => claim.immediate(key, taskId, now);
  }

  async hold(key: string, taskId: string, begin: () => Promise<Task>): Promise<Task> {
    const until = Date.now() + this.options.pendingMs;
    for (;;) {
      let claim: Claim;
      try {
        claim = this.claimKey(key, taskId, Date.now());
        // A conflict wrote nothing: it proves nothing about the disk.
        if (claim.taken) this.options.writes?.wrote();
      } catch (err) {
        this.options.writes?.writeFailed(err);
        throw new StoreUnavailableError({ cause: err });
      }
      if (claim.taken) break;
      // Past our own launch window the other launch still runs: its stored task is the conflict.
      if (!claim.wait || Date.now() > until) throw conflict(claim.holder);
      await new Promise((r) => setTimeout(r, this.options.waitEveryMs ?? 10));
    }
    let task: Task;
    try {
      task = await begin();
    } catch (err) {
      this.settle(() => this.statements.release.run(key, taskId));
      throw err;
    }
    if (isTerminal(task.status)) this.settle(() => this.statements.release.run(key, taskId));
    else this.settle(() => this.statements.settle.run(key, taskId));
    return task;
  }

  async release(key: string, taskId: string): Promise<void> {
    try {
      if (this.statements.release.run(key, taskId).changes > 0) this.options.writes?.wrote();
    } catch (err) {
      this.options.writes?.writeFailed(err);
      throw new StoreUnavailableError({ cause: err });
    }
  }

  /**
   * After the vendor call the launch never fails on its lock. A write refused here leaves the
   * key pending: once its window ends it is judged by its task, which is what `task` would say.
   */
  private settle(write: () => { changes: number }): void {
    try {
      if (write().changes > 0) this.options.writes?.wrote();
    } catch (err) {
      this.options.writes?.writeFailed(err);
      this.options.onError?.(err);
    }
  }
}
