import { TaskOutbox } from './outbox.ts';
import type { TaskStore } from './store.ts';
import type { TaskCount, TaskPageQuery } from './task-index.ts';
import { isTerminal, type Task } from './types.ts';

/**
 * What is stored of a task: a terminal task drops its poll spec, since nothing polls it again
 * and its params (an operateAll task's thousands of host ids) would otherwise sit in the store
 * for the whole TTL.
 */
export function storedForm(task: Task): Task {
  if (!task.poll || !isTerminal(task.status)) return task;
  const { poll: _poll, ...rest } = task;
  return rest;
}

export interface TaskRecordsOptions {
  readonly store: TaskStore;
  /** How often writes the store refused are tried again. */
  readonly retryMs: number;
  /** A kept task reached the store at last (watchers on other instances can read it only now). */
  readonly onWritten: (task: Task) => void;
  readonly onError?: ((err: unknown, during: string) => void) | undefined;
}

/**
 * The tasks as the tracker reads and writes them: the store, with the writes it refused after the
 * vendor had acted kept in the outbox (and answered from there) until it takes them.
 */
export class TaskRecords {
  private readonly outbox: TaskOutbox;

  constructor(private readonly options: TaskRecordsOptions) {
    this.outbox = new TaskOutbox({
      store: options.store,
      retryMs: options.retryMs,
      onWritten: options.onWritten,
      onError: (err) => options.onError?.(err, 'writing tasks kept while the store was down'),
    });
  }

  /** A task; one whose write the store refused is answered from memory until it is written. */
  async get(id: string): Promise<Task | undefined> {
    const kept = this.outbox.get(id);
    if (kept !== undefined) return kept ?? undefined;
    return this.options.store.get(id);
  }

  async list(): Promise<Task[]> {
    return this.outbox.overlay(await this.options.store.list());
  }

  /**
   * A page from the store's index, each task in the state kept for it where the store refused
   * a write meanwhile (kept deletions dropped). Membership is the store's: a kept change of
   * state moves the task between pages only once the store takes it.
   */
  async page(query: TaskPageQuery): Promise<Task[]> {
    return (await this.options.store.page(query)).flatMap((task) => {
      const kept = this.outbox.get(task.id);
      return kept === undefined ? [task] : kept === null ? [] : [kept];
    });
  }

  counts(): Promise<TaskCount[]> {
    return this.options.store.counts();
  }

  /** The live tasks in the store (what a take-over scan looks at). */
  listLive(): Promise<Task[]> {
    return this.options.store.listLive();
  }

  /**
   * Stores a launch before its vendor call. Throws when the store refuses it (the launch then
   * fails and nothing is sent); a write that timed out may still land later, so it is marked to
   * be deleted then.
   */
  async create(launched: Task): Promise<void> {
    const pending = storedForm(launched);
    try {
      await this.options.store.put(pending);
    } catch (err) {
      this.outbox.keep(pending.id, null);
      throw err;
    }
  }

  /**
   * Stores a new state of a task. Never throws: when the store refuses it, the state is kept in
   * memory (and answered from there) until the store is back. A task already waiting there
   * waits in its newer state, so states reach the store in order.
   */
  async save(state: Task): Promise<void> {
    const task = storedForm(state);
    if (!this.outbox.has(task.id)) {
      try {
        await this.options.store.put(task);
        return;
      } catch (err) {
        this.options.onError?.(err, 'task write; kept in memory until the store is back');
      }
    }
    this.outbox.keep(task.id, task);
  }

  /** Forgets a task (the vendor refused its launch). Never throws: see `save`. */
  async discard(id: string): Promise<void> {
    try {
      if (this.outbox.has(id)) throw new Error('an earlier write of this task still waits');
      await this.options.store.delete(id);
    } catch {
      this.outbox.keep(id, null);
    }
  }

  /** Shutdown: tasks kept in memory get a last chance to be written; those left are reported. */
  async close(): Promise<void> {
    if (this.outbox.size > 0) await this.outbox.flush();
    const unwritten = this.outbox.close();
    if (unwritten.length > 0) {
      this.options.onError?.(
        new Error(`${unwritten.length} task write(s) lost at shutdown: ${unwritten.join(', ')}`),
        'shutdown',
      );
    }
  }
}
