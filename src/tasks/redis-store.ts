import type { Redis } from 'ioredis';
import type { StoreDeadline } from './redis-deadline.ts';
import type { TaskStore } from './store.ts';
import { isTerminal, type Task } from './types.ts';

const DATE_FIELDS = new Set([
  'launchUntil',
  'createdAt',
  'startedAt',
  'completedAt',
  'updatedAt',
  'pollFailingSince',
]);

/** JSON with the task's Dates revived, for the store and the change stream alike. */
export const taskSerializer = {
  stringify: (value: unknown): string => JSON.stringify(value),
  parse: (text: string): unknown =>
    JSON.parse(text, (key, value) =>
      DATE_FIELDS.has(key) && typeof value === 'string' ? new Date(value) : value,
    ),
};

/** Tasks as JSON under `task:<id>`, indexed by `tasks` (all) and `tasks:live` (see redis.ts). */
export class RedisTaskStore implements TaskStore {
  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds: number,
    private readonly prefix: string,
    private readonly deadline: StoreDeadline,
  ) {}

  get(id: string): Promise<Task | undefined> {
    return this.deadline.run(async () => {
      const text = await this.redis.get(`${this.prefix}task:${id}`);
      return text === null ? undefined : (taskSerializer.parse(text) as Task);
    });
  }

  put(task: Task): Promise<void> {
    return this.deadline.run(() => this.write(task));
  }

  delete(id: string): Promise<void> {
    return this.deadline.run(async () => {
      await this.redis
        .multi()
        .del(`${this.prefix}task:${id}`)
        .zrem(`${this.prefix}tasks`, id)
        .srem(`${this.prefix}tasks:live`, id)
        .exec();
    });
  }

  list(): Promise<Task[]> {
    return this.deadline.run(async () =>
      this.load(`${this.prefix}tasks`, await this.redis.zrange(`${this.prefix}tasks`, 0, -1)),
    );
  }

  listLive(): Promise<Task[]> {
    const live = `${this.prefix}tasks:live`;
    return this.deadline.run(async () => this.load(live, await this.redis.smembers(live)));
  }

  private async write(task: Task): Promise<void> {
    const key = `${this.prefix}task:${task.id}`;
    const text = taskSerializer.stringify(task);
    const tx = this.redis.multi();
    if (task.completedAt) {
      const left = task.completedAt.getTime() + this.ttlSeconds * 1000 - Date.now();
      tx.set(key, text, 'PX', Math.max(1, left));
    } else {
      tx.set(key, text);
    }
    tx.zadd(`${this.prefix}tasks`, task.createdAt.getTime(), task.id);
    if (isTerminal(task.status)) tx.srem(`${this.prefix}tasks:live`, task.id);
    else tx.sadd(`${this.prefix}tasks:live`, task.id);
    await tx.exec();
  }

  /** The tasks of `ids`; ids whose task expired are dropped from `index`. */
  private async load(index: string, ids: string[]): Promise<Task[]> {
    if (ids.length === 0) return [];
    const texts = await this.redis.mget(ids.map((id) => `${this.prefix}task:${id}`));
    const tasks: Task[] = [];
    const gone: string[] = [];
    texts.forEach((text, i) => {
      if (text === null) gone.push(ids[i]!);
      else tasks.push(taskSerializer.parse(text) as Task);
    });
    if (gone.length > 0) {
      if (index.endsWith(':live')) await this.redis.srem(index, ...gone);
      else await this.redis.zrem(index, ...gone);
    }
    return tasks;
  }
}
