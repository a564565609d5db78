import { setTimeout as sleep } from 'node:timers/promises';
import type { RedisServer } from '../../test/redis/redis-server.ts';
import { REDIS_OUTAGE_EVERY_MS } from './settings.ts';
import { bump, counts } from './tally.ts';

/**
 * Redis hanging (SIGSTOP) or restarting for 0.3 to 2 s every SOAK_REDIS_OUTAGE_EVERY_MS (mean), in
 * the middle of mutations, reads and subscriptions; until `end` or until `lifted` aborts.
 */
export async function causeRedisOutages(
  redis: RedisServer | undefined,
  end: number,
  lifted: AbortSignal,
): Promise<void> {
  while (redis && !lifted.aborted && Date.now() < end) {
    await sleep(REDIS_OUTAGE_EVERY_MS * (0.5 + Math.random()));
    if (lifted.aborted) break;
    const outageMs = 300 + Math.random() * 1_700;
    if (Math.random() < 0.5) {
      bump(counts.faults, 'redis:hang');
      redis.pause();
      await sleep(outageMs);
      redis.resume();
    } else {
      bump(counts.faults, 'redis:restart');
      await redis.stop();
      await sleep(outageMs);
      await redis.start();
    }
  }
}

export const redisOutageCount = () =>
  (counts.faults.get('redis:hang') ?? 0) + (counts.faults.get('redis:restart') ?? 0);
