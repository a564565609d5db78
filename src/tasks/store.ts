import { isTerminal, type Task } from './types.ts';

/**
 * The task store did not answer in time or refused the connection (Redis down, hung or
 * unreachable). The field that needed it fails with `extensions.code` STORE_UNAVAILABLE;
 * nothing else is affected, and a launch that meets it sends nothing to the vendor.
 */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  readonly code = 'STORE_UNAVAILABLE';
  constructor(options?: { cause?: unknown }) {
    super('The task store is unavailable; try again shortly', options);
  }
}

/**
 * Where tasks live. Async so that a Redis store (scaled-out mode) fits behind the same shape.
 * Finished tasks are kept `ttlSeconds` after completion, then forgotten.
 */
export interface TaskStore {
  get(id: string): Promise<Task | undefined>;
  put(task: Task): Promise<void>;
  /** Forgets a task (a launch the vendor refused, or one that never reached the vendor). */
  delete(id: string): Promise<void>;
  list(): Promise<Task[]>;
  /** Tasks not yet terminal (what a poller may have to take over). */
  listLive(): Promise<Task[]>;
}

export class MemoryTaskStore implements TaskStore {
  private readonly tasks = new Map<string, Task>();

  constructor(
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  async get(id: string): Promise<Task | undefined> {
    const task = this.tasks.get(id);
    if (task && this.expired(task)) {
      this.tasks.delete(id);
      return undefined;
    }
    return task;
  }

  async put(task: Task): Promise<void> {
    this.tasks.set(task.id, task);
  }

  async delete(id: string): Promise<void> {
    this.tasks.delete(id);
  }

  async list(): Promise<Task[]> {
    const out: Task[] = [];
    for (const [id, task] of this.tasks) {
      if (this.expired(task)) this.tasks.delete(id);
      else out.push(task);
    }
    return out;
  }

  async listLive(): Promise<Task[]> {
    return [...this.tasks.values()].filter((task) => !isTerminal(task.status));
  }

  private expired(task: Task): boolean {
    return (
      task.completedAt !== undefined &&
      task.completedAt.getTime() + this.ttlSeconds * 1000 < this.now()
    );
  }
}
