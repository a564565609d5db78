import type { Redis } from 'ioredis';
import type { StoreDeadline } from '../store/redis-deadline.ts';
import { ROLLOUT_CONTROLS, type RolloutControl } from './controls.ts';
import type { QueuedControl } from './driver.ts';
import { RolloutKeys } from './redis-store.ts';
import type { SharedRollouts } from './shared.ts';

// Compare-and-act, as the task leases (tasks/redis-coordination.ts): only the holder renews or
// frees its lease.
const RENEW =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
const RELEASE =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
// A control gets the next number of its rollout and joins its queue, in one step.
const REQUEST =
  "local seq = redis.call('incr', KEYS[1]) redis.call('rpush', KEYS[2], seq .. ':' .. ARGV[1]) return seq";

/**
 * Rollout leases under `rollout-lease:<id>` (PX, renewed while the instance drives it) and the
 * control queue `rollout:<id>:controls` (`<seq>:<control>` entries, numbered by
 * `rollout:<id>:control-seq`; the driving instance's store write drops the ones it applied).
 */
export class RedisRolloutCoordination implements SharedRollouts {
  private readonly keys: RolloutKeys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    readonly leaseMs: number,
    private readonly deadline: StoreDeadline,
    /** This instance in lease values (shared with its RedisRolloutStore). */
    private readonly owner: string,
  ) {
    this.keys = new RolloutKeys(prefix);
  }

  async acquire(id: string): Promise<boolean> {
    const ok = await this.deadline.run(() =>
      this.redis.set(this.keys.lease(id), this.owner, 'PX', this.leaseMs, 'NX'),
    );
    return ok === 'OK';
  }

  async renew(ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.eval(RENEW, 1, this.keys.lease(id), this.owner, this.leaseMs);
    const results = (await this.deadline.run(() => pipeline.exec())) ?? [];
    // A failed command counts as lost too: better a take-over than two drivers (writes are fenced).
    return ids.filter((_, i) => {
      const [err, renewed] = results[i] ?? [new Error('no reply'), 0];
      return err !== null || renewed !== 1;
    });
  }

  async release(id: string): Promise<void> {
    await this.deadline.run(() => this.redis.eval(RELEASE, 1, this.keys.lease(id), this.owner));
  }

  live(): Promise<string[]> {
    return this.deadline.run(() => this.redis.smembers(this.keys.live));
  }

  async request(id: string, control: RolloutControl): Promise<number> {
    const seq = await this.deadline.run(() =>
      this.redis.eval(REQUEST, 2, this.keys.controlSeq(id), this.keys.controls(id), control),
    );
    return Number(seq);
  }

  async pending(id: string): Promise<QueuedControl[]> {
    const entries = await this.deadline.run(() => this.redis.lrange(this.keys.controls(id), 0, -1));
    return entries.flatMap((entry) => {
      const [seq, control] = entry.split(':');
      const known = ROLLOUT_CONTROLS.find((c) => c === control);
      return known && seq ? [{ seq: Number(seq), control: known }] : [];
    });
  }
}
