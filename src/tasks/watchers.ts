import { isTerminal, type Task } from './types.ts';

/**
 * The watchers of one task share one change subscription: a thousand subscribers of one install
 * cost one pubsub listener (one Redis channel) and one small object each, not a listener, a
 * Repeater and a chain of promises each (bench fan-out: memory per subscriber).
 */
export class TaskFeed {
  private readonly watchers = new Set<TaskWatcher>();
  private readonly changes: AsyncIterator<Task>;

  /** `onIdle`: the last watcher left and the subscription is closed; forget this feed. */
  constructor(
    changes: AsyncIterable<Task>,
    private readonly onIdle: () => void,
  ) {
    this.changes = changes[Symbol.asyncIterator]();
    // The first next() attaches the listener (synchronously): no change is missed from here on.
    this.pump().then(
      () => this.endAll(),
      () => this.endAll(), // neither pubsub rejects; if one did, the watchers end rather than hang
    );
  }

  /** A new watcher, receiving every change from now on (call before reading the current state). */
  watch(): TaskWatcher {
    const watcher = new TaskWatcher(this);
    this.watchers.add(watcher);
    return watcher;
  }

  remove(watcher: TaskWatcher): void {
    if (!this.watchers.delete(watcher) || this.watchers.size > 0) return;
    this.onIdle();
    // Ends the pending next() in pump() and unsubscribes (UNSUBSCRIBE in Redis mode).
    void this.changes.return?.();
  }

  /** A state of the task for every watcher; each takes it only if newer than what it has. */
  deliver(task: Task): void {
    for (const watcher of this.watchers) watcher.offer(task);
  }

  private async pump(): Promise<void> {
    for (;;) {
      const next = await this.changes.next();
      if (next.done) return;
      this.deliver(next.value);
    }
  }

  private endAll(): void {
    for (const watcher of this.watchers) void watcher.return();
  }
}

const DONE: IteratorResult<Task> = Object.freeze({ done: true, value: undefined });

/**
 * One watcher's view of a task: its state when `start` is called, then each newer change, ending
 * after a terminal state. Stale or repeated events are dropped, so what is seen never goes
 * backwards. A plain object with a queue rather than an async generator or a Repeater: it holds
 * no closures, and `return()` leaves the feed at once even while a `next()` is pending.
 */
export class TaskWatcher implements AsyncIterableIterator<Task> {
  /** States accepted but not yet taken by next(), oldest first; before start(), every change. */
  private queue: Task[] = [];
  /** The last state accepted; undefined until start(). */
  private latest: Task | undefined;
  private waiting: ((result: IteratorResult<Task>) => void) | undefined;
  private left = false;

  constructor(private readonly feed: TaskFeed) {}

  /** Begins with `current`; of the changes seen meanwhile, only those newer than it follow. */
  start(current: Task): void {
    const early = this.queue;
    this.queue = [];
    this.accept(current);
    for (const task of early) this.offer(task);
  }

  /** A change from the feed. */
  offer(task: Task): void {
    if (this.left) return;
    if (this.latest === undefined) this.queue.push(task);
    else if (isNewer(task, this.latest)) this.accept(task);
  }

  next(): Promise<IteratorResult<Task>> {
    const task = this.queue.shift();
    if (task !== undefined) return Promise.resolve({ done: false, value: task });
    if (this.left) return Promise.resolve(DONE);
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  return(): Promise<IteratorResult<Task>> {
    this.queue = [];
    this.leave();
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.(DONE);
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private accept(task: Task): void {
    this.latest = task;
    // After a terminal state nothing follows: stop listening now, deliver what is queued.
    if (isTerminal(task.status)) this.leave();
    const waiting = this.waiting;
    this.waiting = undefined;
    if (waiting) waiting({ done: false, value: task });
    else this.queue.push(task);
  }

  private leave(): void {
    if (this.left) return;
    this.left = true;
    this.feed.remove(this);
  }
}

/** Whether a change event moves past what was last seen (events may arrive late or twice). */
function isNewer(seen: Task, last: Task): boolean {
  const diff = seen.updatedAt.getTime() - last.updatedAt.getTime();
  return diff > 0 || (diff === 0 && changed(last, seen));
}

export function changed(a: Task, b: Task): boolean {
  return (
    a.status !== b.status ||
    a.progress !== b.progress ||
    a.description !== b.description ||
    a.error?.code !== b.error?.code ||
    a.error?.message !== b.error?.message
  );
}
