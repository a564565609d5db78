import { isTerminal, type Task } from './types.ts';

/**
 * Where tasks live. Async so that a Redis store (scaled-out mode) fits behind the same shape.
 * Finished tasks are kept `ttlSeconds` after completion, then forgotten.
 */
export interface TaskStore {
  get(id: string): Promise<Task | undefined>;
  put(task: Task): Promise<void>;
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
