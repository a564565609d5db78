import type { Redis } from 'ioredis';
import type { StoreDeadline } from '../store/redis-deadline.ts';
import type { TaskStore } from './store.ts';
import {
  filtersTasks,
  matchesQuery,
  mergePages,
  type TaskCount,
  type TaskPageQuery,
} from './task-index.ts';
import { isTerminal, TASK_STATUSES, type Task, type TaskStatus } from './types.ts';

/** Ids read per round trip while a filtered page walks a status index. */
const WALK_CHUNK = 200;

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

/**
 * Tasks as JSON under `task:<id>`, indexed by `tasks` (all) and `tasks:live` (see redis.ts),
 * and for `tasks()` and /metrics by state: `tasks:status:<S>` (score -createdAt, so a rank range
 * is newest first, ties by id) and `tasks:status:<S>:<backend>:<endpoint>` (counted by ZCARD;
 * the endpoints in `tasks:groups`). `tasks:expiry` (score: when a finished task's key expires)
 * tells which ids to drop from the indexes, so counts do not include expired tasks.
 */
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
      const text = await this.redis.get(`${this.prefix}task:${id}`);
      const tx = this.redis
        .multi()
        .del(`${this.prefix}task:${id}`)
        .zrem(`${this.prefix}tasks`, id)
        .srem(`${this.prefix}tasks:live`, id);
      if (text !== null) this.unindex(tx, [id], this.groupOf(taskSerializer.parse(text) as Task));
      await tx.exec();
    });
  }

  page(query: TaskPageQuery): Promise<Task[]> {
    return this.deadline.run(async () => {
      await this.sweep();
      const statuses = [...new Set(query.statuses ?? TASK_STATUSES)];
      const want = query.offset + query.limit;
      const filtered = filtersTasks(query);
      const lists = await Promise.all(
        statuses.map((status) => this.walk(this.statusKey(status), want, filtered, query)),
      );
      return mergePages(lists, query.offset, query.limit);
    });
  }

  counts(): Promise<TaskCount[]> {
    return this.deadline.run(async () => {
      await this.sweep();
      const groups = await this.redis.smembers(`${this.prefix}tasks:groups`);
      const pipe = this.redis.pipeline();
      for (const group of groups)
        for (const status of TASK_STATUSES) pipe.zcard(this.statusKey(status, group));
      const cards = (await pipe.exec()) ?? [];
      const out: TaskCount[] = [];
      groups.forEach((group, g) => {
        const [backend = '', endpoint = ''] = group.split('\n');
        TASK_STATUSES.forEach((status, s) => {
          const count = Number(cards[g * TASK_STATUSES.length + s]?.[1] ?? 0);
          if (count > 0) out.push({ backend, endpoint, status, count });
        });
      });
      return out;
    });
  }

  /** The first `want` tasks of a status index that match the query, newest first. */
  private async walk(
    key: string,
    want: number,
    filtered: boolean,
    query: TaskPageQuery,
  ): Promise<Task[]> {
    if (want <= 0) return [];
    const out: Task[] = [];
    for (let start = 0; out.length < want; start += filtered ? WALK_CHUNK : want) {
      const size = filtered ? WALK_CHUNK : want;
      const ids = await this.redis.zrange(key, start, start + size - 1);
      const tasks = await this.load(key, ids);
      out.push(...(filtered ? tasks.filter((t) => matchesQuery(t, query)) : tasks));
      if (ids.length < size) break;
    }
    return out.slice(0, want);
  }

  /** Drops finished tasks whose key expired from the status indexes (only those: by score). */
  private async sweep(): Promise<void> {
    const expiry = `${this.prefix}tasks:expiry`;
    const due = await this.redis.zrangebyscore(expiry, '-inf', Date.now());
    if (due.length === 0) return;
    // The score is the latest write's expiry (ZADD replaces it), so due means expired, whether
    // or not Redis has evicted the key yet.
    const groups = await this.redis.smembers(`${this.prefix}tasks:groups`);
    const tx = this.redis
      .multi()
      .zrem(expiry, ...due)
      .zrem(`${this.prefix}tasks`, ...due)
      .del(...due.map((id) => `${this.prefix}task:${id}`));
    for (const group of groups) this.unindex(tx, due, group);
    await tx.exec();
  }

  private statusKey(status: TaskStatus, group?: string): string {
    return group === undefined
      ? `${this.prefix}tasks:status:${status}`
      : `${this.prefix}tasks:status:${status}:${group}`;
  }

  private groupOf(task: Task): string {
    return `${task.backend}\n${task.endpoint ?? task.backend}`;
  }

  /** Removes ids from every status index (all and one endpoint's). */
  private unindex(tx: ReturnType<Redis['multi']>, ids: string[], group: string): void {
    for (const status of TASK_STATUSES) {
      tx.zrem(this.statusKey(status), ...ids);
      tx.zrem(this.statusKey(status, group), ...ids);
    }
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
    // The task leaves the index of its former state (whichever it was) and joins its own.
    const group = this.groupOf(task);
    this.unindex(tx, [task.id], group);
    tx.zadd(this.statusKey(task.status), -task.createdAt.getTime(), task.id);
    tx.zadd(this.statusKey(task.status, group), -task.createdAt.getTime(), task.id);
    tx.sadd(`${this.prefix}tasks:groups`, group);
    if (task.completedAt) {
      tx.zadd(
        `${this.prefix}tasks:expiry`,
        task.completedAt.getTime() + this.ttlSeconds * 1000,
        task.id,
      );
    }
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
