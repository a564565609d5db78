import type { Redis } from 'ioredis';
import type { StoreDeadline } from '../store/redis-deadline.ts';
import { rolloutCodec } from './codec.ts';
import { newestFirst, type RolloutStore } from './store.ts';
import { isFinished, type RolloutHeader, type RolloutStatus, type RolloutUnit } from './types.ts';

/**
 * One write of a rollout, atomic, and only by the holder of its lease (fenced: an instance that
 * lost the lease, paused past it, cannot store a unit another instance may launch too). Writes
 * the header, the units given, the time index and the live set, and drops from the control
 * queue the controls the header says are applied.
 * KEYS: header, units, index, live, lease, controls. ARGV: owner, fenced, id, createdAt, live,
 * controlSeq, header JSON (empty: units only), then index/JSON pairs.
 */
const SAVE = `
if ARGV[2] == '1' and redis.call('get', KEYS[5]) ~= ARGV[1] then return 0 end
for i = 8, #ARGV, 2 do redis.call('hset', KEYS[2], ARGV[i], ARGV[i + 1]) end
if ARGV[7] == '' then return 1 end
redis.call('set', KEYS[1], ARGV[7])
redis.call('zadd', KEYS[3], ARGV[4], ARGV[3])
if ARGV[5] == '1' then redis.call('sadd', KEYS[4], ARGV[3]) else redis.call('srem', KEYS[4], ARGV[3]) end
local applied = tonumber(ARGV[6])
while true do
  local head = redis.call('lindex', KEYS[6], 0)
  if not head then break end
  local seq = tonumber(string.match(head, '^(%d+):'))
  if seq == nil or seq > applied then break end
  redis.call('lpop', KEYS[6])
end
return 1`;

/** Units written per script call: a 10,000-unit plan is stored in a few calls, not one huge one. */
const UNITS_PER_WRITE = 500;

/** The instance lost the rollout's lease: another one drives it, this write did not land. */
export class RolloutLeaseLostError extends Error {
  constructor(readonly rolloutId: string) {
    super(`rollout ${rolloutId}: its lease is held by another instance`);
    this.name = 'RolloutLeaseLostError';
  }
}

/** Rollout keys under the deployment's prefix (REDIS_PREFIX); see rollouts/redis.ts. */
export class RolloutKeys {
  constructor(private readonly prefix: string) {}
  header = (id: string) => `${this.prefix}rollout:${id}`;
  units = (id: string) => `${this.prefix}rollout:${id}:units`;
  controls = (id: string) => `${this.prefix}rollout:${id}:controls`;
  controlSeq = (id: string) => `${this.prefix}rollout:${id}:control-seq`;
  lease = (id: string) => `${this.prefix}rollout-lease:${id}`;
  get index() {
    return `${this.prefix}rollouts`;
  }
  get live() {
    return `${this.prefix}rollouts:live`;
  }
}

/**
 * Rollouts in Redis (scaled-out mode): the header as JSON under `rollout:<id>`, one hash entry
 * per unit under `rollout:<id>:units` (a unit's change writes that entry and the header only),
 * `rollouts` (by creation time) for `rollouts`, and `rollouts:live` for the take-over scan. On
 * the shared connection, every call under its deadline (StoreUnavailableError past it).
 */
export class RedisRolloutStore implements RolloutStore {
  private readonly keys: RolloutKeys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly deadline: StoreDeadline,
    /** This instance in lease values (shared with its RedisRolloutCoordination). */
    private readonly owner: string,
  ) {
    this.keys = new RolloutKeys(prefix);
  }

  async save(header: RolloutHeader, units: readonly RolloutUnit[]): Promise<void> {
    const chunks: RolloutUnit[][] = [];
    for (let i = 0; i < units.length; i += UNITS_PER_WRITE)
      chunks.push(units.slice(i, i + UNITS_PER_WRITE));
    // The header goes with the last chunk: a rollout whose header is stored has all its units.
    for (const [i, chunk] of (chunks.length > 0 ? chunks : [[]]).entries()) {
      const last = i === Math.max(0, chunks.length - 1);
      await this.write(header, chunk, last);
    }
  }

  get(id: string): Promise<RolloutHeader | undefined> {
    return this.deadline.run(async () => {
      const text = await this.redis.get(this.keys.header(id));
      return text === null ? undefined : rolloutCodec.header(text);
    });
  }

  units(id: string): Promise<RolloutUnit[]> {
    return this.deadline.run(async () => {
      const entries = await this.redis.hvals(this.keys.units(id));
      return entries.map(rolloutCodec.unit).sort((a, b) => a.index - b.index);
    });
  }

  list(statuses?: readonly RolloutStatus[]): Promise<RolloutHeader[]> {
    return this.deadline.run(async () => {
      const ids = await this.redis.zrevrange(this.keys.index, 0, -1);
      if (ids.length === 0) return [];
      const texts = await this.redis.mget(ids.map((id) => this.keys.header(id)));
      const wanted = statuses && new Set(statuses);
      return texts
        .flatMap((text) => (text === null ? [] : [rolloutCodec.header(text)]))
        .filter((h) => !wanted || wanted.has(h.status))
        .sort(newestFirst);
    });
  }

  private async write(
    header: RolloutHeader,
    units: readonly RolloutUnit[],
    withHeader: boolean,
  ): Promise<void> {
    const { keys } = this;
    const id = header.id;
    const fenced = header.status === 'PLANNED' ? '0' : '1'; // a dry run is never driven
    const args = [
      this.owner,
      fenced,
      id,
      String(header.createdAt.getTime()),
      isFinished(header) ? '0' : '1',
      String(header.controlSeq ?? 0),
      withHeader ? rolloutCodec.stringify(header) : '',
      ...units.flatMap((u) => [String(u.index), rolloutCodec.stringify(u)]),
    ];
    const stored = await this.deadline.run(() =>
      this.redis.eval(
        SAVE,
        6,
        keys.header(id),
        keys.units(id),
        keys.index,
        keys.live,
        keys.lease(id),
        keys.controls(id),
        ...args,
      ),
    );
    if (stored !== 1) throw new RolloutLeaseLostError(id);
  }
}
