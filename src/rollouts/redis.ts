import { randomUUID } from 'node:crypto';
import { createPubSub, type PubSub } from 'graphql-yoga';
import type { RedisConnections } from '../store/redis.ts';
import { redisErrorForLog } from '../store/redis-error.ts';
import { prefixedEventTarget } from '../tasks/redis-changes.ts';
import { rolloutCodec } from './codec.ts';
import { RedisRolloutCoordination } from './redis-coordination.ts';
import { RedisRolloutStore } from './redis-store.ts';
import type { RolloutEvents } from './runner.ts';

/**
 * Scaled-out mode (REDIS_URL): rollouts shared by every instance, on the connections of
 * store/redis.ts. Keys (under the prefix):
 *   rollout:<id>               the header as JSON
 *   rollout:<id>:units         hash: unit index → the unit as JSON
 *   rollouts                   sorted set of ids by creation time (`rollouts`)
 *   rollouts:live              ids not yet complete (the take-over scan)
 *   rollout-lease:<id>         the driving instance; PX lease, renewed while it drives
 *   rollout:<id>:controls      pause/resume/cancel queued for the driving instance
 *   rollout:<id>:control-seq   their numbering
 * Channels: `rolloutChanged:<id>` (each stored change: the header and the units it wrote) and
 * `rolloutControl` (a control queued), so that `rolloutProgress` on any instance sees every
 * change and the driving instance hears a control at once.
 */
export interface RedisRollouts {
  readonly store: RedisRolloutStore;
  readonly shared: RedisRolloutCoordination;
  readonly pubsub: PubSub<RolloutEvents>;
}

export function createRedisRollouts(
  redis: RedisConnections,
  options: { readonly leaseMs: number; readonly onError: (err: unknown) => void },
): RedisRollouts {
  const { commands, deadline, prefix } = redis;
  const owner = randomUUID();
  return {
    store: new RedisRolloutStore(commands, prefix, deadline, owner),
    shared: new RedisRolloutCoordination(commands, prefix, options.leaseMs, deadline, owner),
    pubsub: createPubSub<RolloutEvents>({
      eventTarget: prefixedEventTarget({
        publisher: commands,
        subscriber: redis.subscriber,
        prefix,
        // Logged without the failed command: an AUTH's arguments are the password.
        onError: (err) => options.onError(redisErrorForLog(err)),
        serializer: { stringify: JSON.stringify, parse: rolloutCodec.parse },
      }),
    }),
  };
}
