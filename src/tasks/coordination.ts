import { ConflictError } from '../domain/errors.ts';
import { isTerminal, type Task } from './types.ts';

/**
 * Who polls which task. In memory there is one instance, which polls everything; in scaled-out
 * mode a lease in Redis makes exactly one instance poll each live task, and an instance that
 * dies stops renewing its leases, so another takes its tasks over when they expire.
 */
export interface PollLeases {
  /** How long a lease lasts without renewal. */
  readonly ttlMs: number;
  /** Takes the lease of `taskId` if nobody holds it; true when this instance now holds it. */
  acquire(taskId: string): Promise<boolean>;
  /** Extends the leases this instance holds; returns the ids it no longer holds. */
  renew(taskIds: readonly string[]): Promise<string[]>;
  release(taskId: string): Promise<void>;
}

/**
 * Exclusive holds on a target (`TaskTracker` `lockKey`): while a task holding a key runs, another
 * launch with that key gets ConflictError carrying the running task, and its vendor call is never
 * made. In memory for one instance; in Redis so that it holds across instances.
 */
export interface TaskLocks {
  /**
   * Runs `begin` (which launches the task `taskId`) holding `key`; throws ConflictError when a
   * running task already holds it.
   */
  hold(key: string, taskId: string, begin: () => Promise<Task>): Promise<Task>;
  /** Frees `key` if the task `taskId` holds it, or its launch still does (the task ended). */
  release(key: string, taskId: string): Promise<void>;
}

export const conflict = (taskId: string) =>
  new ConflictError('An operation is already running on this target', taskId);

/** One instance: the pending launch itself is the lock, so a second launch waits for the first. */
export class MemoryTaskLocks implements TaskLocks {
  private readonly held = new Map<string, Promise<Task>>();

  async hold(key: string, taskId: string, begin: () => Promise<Task>): Promise<Task> {
    const current = this.held.get(key);
    if (current) {
      const running = await current.catch(() => undefined);
      if (running && !isTerminal(running.status)) throw conflict(running.id);
      // Someone else took it meanwhile.
      if (this.held.get(key) !== current) return this.hold(key, taskId, begin);
    }
    const pending = begin();
    this.held.set(key, pending);
    pending.then(
      (task) => {
        if (isTerminal(task.status)) this.drop(key, pending);
      },
      () => this.drop(key, pending),
    );
    return pending;
  }

  async release(key: string, taskId: string): Promise<void> {
    const current = this.held.get(key);
    if (!current) return;
    const task = await current.catch(() => undefined);
    if (task?.id === taskId) this.drop(key, current);
  }

  private drop(key: string, pending: Promise<Task>): void {
    if (this.held.get(key) === pending) this.held.delete(key);
  }
}
