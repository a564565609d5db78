import {
  filtersTasks,
  matchesQuery,
  mergePages,
  SortedTasks,
  type TaskCount,
  type TaskPageQuery,
} from './task-index.ts';
import { isTerminal, TASK_STATUSES, type Task, type TaskStatus } from './types.ts';

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
  /**
   * A page of `tasks()`, newest first (createdAt, then id), read through an index by status and
   * time: its cost follows offset + limit, not the store.
   */
  page(query: TaskPageQuery): Promise<Task[]>;
  /** Tasks per backend, endpoint and status, from counters or indexes (never a scan of tasks). */
  counts(): Promise<TaskCount[]>;
}

/** In one process: tasks by id, sorted per status, counted per endpoint and status. */
export class MemoryTaskStore implements TaskStore {
  private readonly tasks = new Map<string, Task>();
  private readonly all = new SortedTasks();
  private readonly byStatus = new Map<TaskStatus, SortedTasks>(
    TASK_STATUSES.map((status) => [status, new SortedTasks()]),
  );
  private readonly live = new Set<string>();
  /** Per `backend\nendpoint\nstatus`. */
  private readonly counters = new Map<string, number>();
  /** Finished tasks by when they expire, soonest first: a sweep looks at the expired only. */
  private expiries: { readonly at: number; readonly id: string }[] = [];

  constructor(
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  async get(id: string): Promise<Task | undefined> {
    this.sweep();
    return this.tasks.get(id);
  }

  async put(task: Task): Promise<void> {
    this.sweep();
    this.forget(task.id);
    this.tasks.set(task.id, task);
    this.all.add(task);
    this.byStatus.get(task.status)?.add(task);
    this.count(task, 1);
    if (isTerminal(task.status)) {
      const at = this.expiresAt(task);
      if (at !== undefined) {
        const i = this.expiries.findLastIndex((e) => e.at <= at) + 1;
        this.expiries.splice(i, 0, { at, id: task.id });
      }
    } else {
      this.live.add(task.id);
    }
  }

  async delete(id: string): Promise<void> {
    this.forget(id);
  }

  async list(): Promise<Task[]> {
    this.sweep();
    return this.all.all();
  }

  async listLive(): Promise<Task[]> {
    this.sweep();
    return [...this.live].flatMap((id) => this.tasks.get(id) ?? []);
  }

  async page(query: TaskPageQuery): Promise<Task[]> {
    this.sweep();
    const accept = filtersTasks(query) ? (task: Task) => matchesQuery(task, query) : undefined;
    if (!query.statuses) return this.all.page(query.offset, query.limit, accept);
    const lists = [...new Set(query.statuses)].map(
      (status) => this.byStatus.get(status)?.page(0, query.offset + query.limit, accept) ?? [],
    );
    return mergePages(lists, query.offset, query.limit);
  }

  async counts(): Promise<TaskCount[]> {
    this.sweep();
    return [...this.counters].map(([key, count]) => {
      const [backend = '', endpoint = '', status] = key.split('\n');
      return { backend, endpoint, status: status as TaskStatus, count };
    });
  }

  /** Drops a task from every index. */
  private forget(id: string): void {
    const old = this.tasks.get(id);
    if (!old) return;
    this.tasks.delete(id);
    this.all.remove(old);
    this.byStatus.get(old.status)?.remove(old);
    this.live.delete(id);
    this.count(old, -1);
  }

  private count(task: Task, by: 1 | -1): void {
    const key = `${task.backend}\n${task.endpoint ?? task.backend}\n${task.status}`;
    const n = (this.counters.get(key) ?? 0) + by;
    if (n > 0) this.counters.set(key, n);
    else this.counters.delete(key);
  }

  /** Forgets the finished tasks whose TTL is over. */
  private sweep(): void {
    const now = this.now();
    let expired = 0;
    while (expired < this.expiries.length && (this.expiries[expired]?.at ?? now) < now) {
      const { id } = this.expiries[expired] as { id: string };
      const task = this.tasks.get(id);
      const at = task && this.expiresAt(task);
      if (at !== undefined && at < now) this.forget(id); // else stored again since: still current
      expired++;
    }
    if (expired > 0) this.expiries = this.expiries.slice(expired);
  }

  private expiresAt(task: Task): number | undefined {
    return task.completedAt && task.completedAt.getTime() + this.ttlSeconds * 1000;
  }
}
