import { createPubSub } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { MemoryTaskStore } from '../../src/tasks/store.ts';
import { type TaskEvents, TaskTracker } from '../../src/tasks/tracker.ts';
import type { Task, TaskStatus } from '../../src/tasks/types.ts';

/** An event target that says how many listeners it holds. */
class CountingTarget extends EventTarget {
  listeners = 0;
  override addEventListener(...args: Parameters<EventTarget['addEventListener']>): void {
    this.listeners++;
    super.addEventListener(...args);
  }
  override removeEventListener(...args: Parameters<EventTarget['removeEventListener']>): void {
    this.listeners--;
    super.removeEventListener(...args);
  }
}

/** A tracker with one stored, unpolled task; changes are published by hand. */
async function setup() {
  const target = new CountingTarget();
  const store = new MemoryTaskStore(60);
  const tracker = new TaskTracker({
    store,
    pollers: {},
    intervalMs: 1_000,
    graceMs: 1_000,
    pubsub: createPubSub<TaskEvents>({ eventTarget: target }),
  });
  const task = await tracker.launch({
    backend: 'appliance',
    operation: 'INSTALL_UPDATE',
    start: async () => ({ nativeId: 't1', initial: { status: 'RUNNING', progress: 10 } }),
  });
  let clock = task.updatedAt.getTime();
  const change = (status: TaskStatus, progress: number, at = ++clock): Task => ({
    ...task,
    status,
    progress,
    updatedAt: new Date(at),
  });
  const publish = (t: Task) => tracker.pubsub.publish('taskChanged', t.id, t);
  return { tracker, store, task, target, change, publish };
}

const take = async (it: AsyncIterator<Task>, n: number) => {
  const seen: (number | undefined)[] = [];
  for (let i = 0; i < n; i++) seen.push((await it.next()).value?.progress);
  return seen;
};

describe('tracker.watch: one change listener per task, whatever the number of watchers', () => {
  it('current state, then newer changes only; stale and repeated events are dropped', async () => {
    const { tracker, task, change, publish } = await setup();
    const watcher = (await tracker.watch(task.id))!;
    publish(change('RUNNING', 20));
    const later = change('RUNNING', 50);
    publish(later);
    publish(later); // twice
    publish({ ...change('RUNNING', 30), updatedAt: new Date(0) }); // late
    publish(change('SUCCESS', 100));
    expect(await take(watcher, 4)).toEqual([10, 20, 50, 100]);
    expect((await watcher.next()).done).toBe(true); // ends after a terminal state
  });

  it('a change between listening and reading the current state is not lost', async () => {
    const { tracker, store, task, change, publish } = await setup();
    const original = store.get.bind(store);
    const running = change('RUNNING', 40);
    // The change lands while watch() reads the store, after it started listening.
    store.get = async (id) => {
      const current = await original(id);
      publish(running);
      return current;
    };
    const watcher = (await tracker.watch(task.id))!;
    expect(await take(watcher, 2)).toEqual([10, 40]);
  });

  it('watchers share one listener; leaving (even with a next() pending) removes it', async () => {
    const { tracker, task, target } = await setup();
    const a = (await tracker.watch(task.id))!;
    const b = (await tracker.watch(task.id))!;
    expect(target.listeners).toBe(1);
    await a.next();
    const pending = a.next(); // a quiet task: nothing comes
    await a.return?.();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(target.listeners).toBe(1);
    await b.return?.();
    expect(target.listeners).toBe(0);
    // A later watcher listens again.
    const c = (await tracker.watch(task.id))!;
    expect(target.listeners).toBe(1);
    await c.return?.();
    expect(target.listeners).toBe(0);
  });

  it('an unknown id: undefined, and nothing left listening', async () => {
    const { tracker, target } = await setup();
    expect(await tracker.watch('appliance:nope')).toBeUndefined();
    expect(target.listeners).toBe(0);
  });

  it('a finished task yields its final state once, then ends', async () => {
    const { tracker, store, task, change, target } = await setup();
    await store.put(change('ERROR', 10));
    const watcher = (await tracker.watch(task.id))!;
    expect((await watcher.next()).value?.status).toBe('ERROR');
    expect((await watcher.next()).done).toBe(true);
    expect(target.listeners).toBe(0);
  });
});
