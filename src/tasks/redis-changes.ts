import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { createPubSub, type PubSub } from 'graphql-yoga';
import type { Redis } from 'ioredis';
import type { StoreDeadline } from '../store/redis-deadline.ts';
import { taskSerializer } from './redis-store.ts';
import type { TaskEvents } from './tracker.ts';

/** The change stream over Redis pub/sub, channel `<prefix>taskChanged:<id>` (see redis.ts). */
export interface RedisChangeStream {
  readonly pubsub: PubSub<TaskEvents>;
  /**
   * Resolves once every SUBSCRIBE sent so far is acknowledged (see TaskTracker `changesReady`);
   * StoreUnavailableError past the deadline.
   */
  changesReady(): Promise<void>;
  /**
   * Calls `listener` each time the change stream's connection is back after a loss: changes
   * published meanwhile never arrive (pub/sub keeps nothing), so watchers re-read the store.
   */
  onChangesResumed(listener: () => void): void;
}

export interface RedisChangeStreamOptions {
  /** Where changes are published: the commands connection. */
  readonly publisher: Redis;
  /** A connection of its own: once subscribed, a connection can do nothing else. */
  readonly subscriber: Redis;
  /** The subscriber connection's deadline. */
  readonly deadline: StoreDeadline;
  readonly prefix: string;
  readonly onError: (err: unknown) => void;
}

/** Where a prefixed event target publishes and subscribes (see `prefixedEventTarget`). */
export interface PrefixedEventTargetOptions {
  readonly publisher: Redis;
  readonly subscriber: Redis;
  readonly prefix: string;
  readonly onError: (err: unknown) => void;
  readonly serializer: { stringify(value: unknown): string; parse(text: string): unknown };
}

/**
 * A graphql-yoga event target over Redis pub/sub whose channels carry `prefix` on the wire (the
 * event target sees them without it). Several can share one subscriber connection: each
 * dispatches only the channels it subscribed to.
 */
export function prefixedEventTarget(
  options: PrefixedEventTargetOptions,
): ReturnType<typeof createRedisEventTarget> {
  const { publisher, subscriber, prefix, onError } = options;
  // The event target fires PUBLISH, SUBSCRIBE and UNSUBSCRIBE without awaiting them: catch their
  // failures (Redis gone, connection closed at shutdown) so that they are logged, not unhandled
  // rejections that would end the process. A change lost that way is followed by the next one.
  const publishClient = {
    publish: (channel: string, message: string) =>
      publisher.publish(prefix + channel, message).catch(onError),
  };
  const subscribeClient = {
    on: (event: 'message', listener: (channel: string, message: string) => void) =>
      subscriber.on(event, (channel: string, message: string) => {
        if (channel.startsWith(prefix)) listener(channel.slice(prefix.length), message);
      }),
    subscribe: (channel: string) => subscriber.subscribe(prefix + channel).catch(onError),
    unsubscribe: (channel: string) => subscriber.unsubscribe(prefix + channel).catch(onError),
  };
  return createRedisEventTarget({
    // Only these methods are used (see @graphql-yoga/redis-event-target).
    publishClient: publishClient as unknown as Redis,
    subscribeClient: subscribeClient as unknown as Redis,
    serializer: options.serializer,
  });
}

export function createRedisChangeStream(options: RedisChangeStreamOptions): RedisChangeStream {
  const { publisher, subscriber, prefix, onError } = options;
  return {
    pubsub: createPubSub<TaskEvents>({
      eventTarget: prefixedEventTarget({
        publisher,
        subscriber,
        prefix,
        onError,
        serializer: taskSerializer,
      }),
    }),
    // Every `ready` of the subscriber connection after its first is a reconnect and runs the
    // listener; the first (already past if the connection is ready when this is called) is the
    // initial connection, when nothing can have been missed. ioredis writes the SUBSCRIBEs again
    // in its ready handler and emits `ready` on the next tick: when the listener runs they are
    // sent, though not yet acknowledged.
    onChangesResumed: (listener) => {
      let connectedBefore = subscriber.status === 'ready';
      subscriber.on('ready', () => {
        if (connectedBefore) listener();
        connectedBefore = true;
      });
    },
    // Redis answers a connection's commands in order: once this PING is answered, every
    // SUBSCRIBE sent before it on the subscriber connection is in force.
    changesReady: async () => {
      await options.deadline.run(() => subscriber.ping());
    },
  };
}
