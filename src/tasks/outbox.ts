import { outsideRequest } from '../request/scope.ts';
import type { TaskStore } from './store.ts';
import type { Task } from './types.ts';

export interface TaskOutboxOptions {
  readonly store: TaskStore;
  /** How often writes left over are tried again while the store refuses them. */
  readonly retryMs: number;
  /** A kept task reached the store (its watchers elsewhere may have missed the change). */
  readonly onWritten?: (task: Task) => void;
  readonly onError?: (err: unknown) => void;
}

/**
 * Task writes the store refused after the vendor had already acted (Redis failing between the
 * vendor's answer and our write, or during a poll): kept in process memory and written once the
 * store takes them, so a launched task is neither lost nor reported as failed. `null` marks a
 * task to delete: a pending launch whose store write failed (it may still land after a timeout)
 * or that the vendor refused. A newer state of a task replaces the one waiting. While a task
 * waits here this instance answers for it from here (`get`, `overlay`).
 */
export class TaskOutbox {
  private readonly waiting = new Map<string, Task | null>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly options: TaskOutboxOptions) {}

  get size(): number {
    return this.waiting.size;
  }

  has(id: string): boolean {
    return this.waiting.has(id);
  }

  /** The waiting state of `id`: a task, `null` (to delete), or undefined when nothing waits. */
  get(id: string): Task | null | undefined {
    return this.waiting.get(id);
  }

  keep(id: string, task: Task | null): void {
    this.waiting.set(id, task);
    this.arm();
  }

  /** A list read from the store, corrected by what waits here. */
  overlay(stored: readonly Task[]): Task[] {
    if (this.waiting.size === 0) return [...stored];
    const out = stored.filter((task) => !this.waiting.has(task.id));
    for (const task of this.waiting.values()) if (task) out.push(task);
    return out;
  }

  /** Writes what waits, oldest first, stopping at the first refusal (the store is still down). */
  flush(): Promise<void> {
    this.flushing ??= this.writeAll().finally(() => {
      this.flushing = undefined;
      if (this.waiting.size > 0) this.arm();
    });
    return this.flushing;
  }

  /** Stops retrying (shutdown); what still waits is returned, for the log. */
  close(): string[] {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    return [...this.waiting.keys()];
  }

  private arm(): void {
    if (this.closed || this.timer || this.flushing) return;
    this.timer = outsideRequest(() =>
      setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, this.options.retryMs),
    );
    this.timer.unref();
  }

  private async writeAll(): Promise<void> {
    for (const [id, task] of [...this.waiting]) {
      try {
        if (task) await this.options.store.put(task);
        else await this.options.store.delete(id);
      } catch (err) {
        this.options.onError?.(err);
        return;
      }
      // A newer state that arrived meanwhile stays, for the next round.
      if (this.waiting.get(id) === task) this.waiting.delete(id);
      if (task) this.options.onWritten?.(task);
    }
  }
}
