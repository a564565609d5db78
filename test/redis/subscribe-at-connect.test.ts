import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSubscriber } from '../../src/store/redis.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { type RedisServer, SKIP_REDIS, startRedis } from './redis-server.ts';

/**
 * A subscription opened while the change stream's connection is still connecting (an instance
 * just started, a client subscribes at once) must receive what is published after it. With
 * ioredis' ready check on, the SUBSCRIBE written during the handshake made the check's INFO fail
 * and the connection drop that subscription: an open subscription that never saw its task end.
 */
describe.skipIf(SKIP_REDIS)('the change stream connection, subscribed during its handshake', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('receives the messages published after the SUBSCRIBE is acknowledged, and reports no error', async () => {
    const subscriber = createSubscriber(redis.url, 2_000);
    const publisher = new Redis(redis.url);
    const errors: unknown[] = [];
    subscriber.on('error', (err) => errors.push(err));
    try {
      // 'connect' is the handshake (before 'ready'): the earliest moment a caller can subscribe.
      const subscribed = new Promise<unknown>((resolve, reject) => {
        subscriber.once('connect', () => subscriber.subscribe('changes').then(resolve, reject));
      });
      await subscribed;
      let received: string | undefined;
      subscriber.on('message', (_channel: string, message: string) => {
        received = message;
      });
      // Published until it arrives: a lost subscription shows as no message at all.
      const outcome = await waitFor(
        async () => {
          if (received !== undefined) return received;
          await publisher.publish('changes', 'task ended');
          return undefined;
        },
        'a message published after the SUBSCRIBE',
        { everyMs: 20 },
      );
      expect(outcome).toBe('task ended');
      expect(errors).toEqual([]);
    } finally {
      subscriber.disconnect();
      publisher.disconnect();
    }
  });
});
