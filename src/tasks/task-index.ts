import type { Task, TaskStatus } from './types.ts';

/** What `tasks()` asks the store for: newest first, a page of it, in some states. */
export interface TaskPageQuery {
  /** Only tasks in one of these states; absent: every state. */
  readonly statuses?: readonly TaskStatus[] | undefined;
  readonly backend?: string | undefined;
  /** Only this endpoint's tasks (`task.endpoint ?? task.backend`). */
  readonly endpoint?: string | undefined;
  /**
   * Only tasks of these endpoints (scoped access, SPEC §14: the ones the caller sees), filtered
   * in the store so that offsets count visible tasks only; absent: every endpoint.
   */
  readonly endpoints?: readonly string[] | undefined;
  /** Tasks skipped from the newest (the page's start). */
  readonly offset: number;
  readonly limit: number;
}

/** How many tasks one endpoint has in one state (what /metrics shows). */
export interface TaskCount {
  readonly backend: string;
  readonly endpoint: string;
  readonly status: TaskStatus;
  readonly count: number;
}

/** Whether a page query filters tasks beyond their state. */
export function filtersTasks(query: Omit<TaskPageQuery, 'offset' | 'limit'>): boolean {
  return Boolean(query.backend || query.endpoint || query.endpoints);
}

/** The order of `tasks()`: newest first, ties by id. */
export function newestFirst(a: Task, b: Task): number {
  return b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export function matchesQuery(task: Task, query: Omit<TaskPageQuery, 'offset' | 'limit'>): boolean {
  if (query.backend && task.backend !== query.backend) return false;
  if (query.endpoint && (task.endpoint ?? task.backend) !== query.endpoint) return false;
  if (query.endpoints && !query.endpoints.includes(task.endpoint ?? task.backend)) return false;
  return !query.statuses || query.statuses.includes(task.status);
}

/**
 * Tasks kept sorted newest first: insert and remove by binary search (createdAt never changes),
 * and a page read is a slice, so `tasks(first: 20)` costs the page, not the store.
 */
export class SortedTasks {
  private readonly items: Task[] = [];

  get size(): number {
    return this.items.length;
  }

  add(task: Task): void {
    this.items.splice(this.position(task), 0, task);
  }

  remove(task: Task): void {
    const at = this.position(task);
    if (this.items[at]?.id === task.id) this.items.splice(at, 1);
  }

  /** The tasks from `offset` on that `accept` takes, at most `limit` of them. */
  page(offset: number, limit: number, accept?: (task: Task) => boolean): Task[] {
    if (!accept) return this.items.slice(offset, offset + limit);
    const out: Task[] = [];
    let skipped = 0;
    for (const task of this.items) {
      if (out.length >= limit) break;
      if (!accept(task)) continue;
      if (skipped < offset) skipped++;
      else out.push(task);
    }
    return out;
  }

  all(): Task[] {
    return [...this.items];
  }

  /** Where `task` is or would go. */
  private position(task: Task): number {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (newestFirst(this.items[mid] as Task, task) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** Newest first across several sorted lists (one per status), from `offset`, at most `limit`. */
export function mergePages(lists: readonly Task[][], offset: number, limit: number): Task[] {
  return lists
    .flat()
    .sort(newestFirst)
    .slice(offset, offset + limit);
}
