import { type ExecutionResult, getOperationAST } from 'graphql';
import { createGraphQLError, isAsyncIterable, type Plugin as YogaPlugin } from 'graphql-yoga';

/** Told about every subscription stream: the open-subscriptions gauge, event error codes. */
export interface StreamObserver {
  subscriptionOpened(): void;
  /** Each event of a stream; `operation` is its operation name (or `anonymous`). */
  subscriptionResult(operation: string, result: ExecutionResult): void;
  subscriptionClosed(): void;
}

/**
 * Caps on open subscriptions (MAX_SUBSCRIPTIONS_PER_CALLER, MAX_SUBSCRIPTIONS): beyond either, a
 * new subscription gets one result with an error coded SUBSCRIPTION_LIMIT and completes.
 */
export interface SubscriptionLimits {
  readonly perCaller: number;
  readonly total: number;
  /** Whose bucket a subscription counts in, from its GraphQL context (auth/auth.ts: the token). */
  readonly callerOf: (context: object) => string;
}

/**
 * When the credentials a subscription was opened with stop being valid (a JWT's `exp` plus
 * leeway), epoch milliseconds, or undefined for those that never expire (static tokens).
 */
export type ExpiryOf = (context: object) => number | undefined;

// setTimeout's longest delay (about 24.8 days): a later expiry is re-armed from there.
const MAX_TIMER_MS = 2_147_483_647;

export const SUBSCRIPTION_LIMIT = 'SUBSCRIPTION_LIMIT';

/** One caller's open subscriptions; shared by its streams, dropped when it reaches 0. */
interface CallerBucket {
  readonly key: string;
  open: number;
}

/**
 * Every open subscription, whatever its transport (SSE, multipart, WebSocket: all go through
 * Yoga's envelop) and whatever its resolver, passes through one wrapper held in one set. SIGTERM
 * drain (SPEC §8): once `signal` aborts, each gets one last result with an error coded
 * SHUTTING_DOWN and completes. With `limits`, the streams are also counted per caller and in
 * all, and a new one over either cap is refused (SUBSCRIPTION_LIMIT). One abort listener for all
 * of them, not one per stream, and no closures per stream: memory per subscriber is a bench goal
 * (bench/RESULTS.md); a stream holds only a reference to its caller's shared bucket.
 */
export class LiveSubscriptions {
  private readonly streams = new Set<LiveStream>();
  private readonly callers = new Map<string, CallerBucket>();

  constructor(
    readonly signal: AbortSignal,
    readonly observer?: StreamObserver,
    readonly limits?: SubscriptionLimits,
    readonly expiryOf?: ExpiryOf,
  ) {
    signal.addEventListener('abort', () => {
      for (const stream of this.streams) stream.shutdown();
    });
  }

  /**
   * The SUBSCRIPTION_LIMIT result a new subscription in `context` would get now, or undefined.
   * Checked before the resolver runs, so a caller at its cap costs no task lookup.
   */
  refusal(context: object): ExecutionResult | undefined {
    return this.limits && this.refusalFor(this.limits.callerOf(context));
  }

  /**
   * Wraps a subscription's event stream; it counts as open until it ends, however it ends.
   * `context`: the operation's GraphQL context, whose request-scoped members are dropped once
   * the stream is read (`releaseRequest`), and whose caller it counts for. Over a cap, `source`
   * is closed and the refusal returned instead: checked again here, where the count changes,
   * because many subscriptions may pass `refusal` while their resolvers run.
   */
  admit(
    source: AsyncIterable<ExecutionResult>,
    operation: string,
    context: object,
  ): AsyncIterableIterator<ExecutionResult> | ExecutionResult {
    const iterator = source[Symbol.asyncIterator]();
    let bucket: CallerBucket | undefined;
    if (this.limits) {
      const key = this.limits.callerOf(context);
      const refused = this.refusalFor(key);
      if (refused) {
        iterator.return?.().catch(() => undefined);
        return refused;
      }
      bucket = this.callers.get(key) ?? { key, open: 0 };
      if (bucket.open++ === 0) this.callers.set(key, bucket);
    }
    const stream = new LiveStream(iterator, this, operation, context, bucket);
    const expiresAt = this.expiryOf?.(context);
    if (expiresAt !== undefined) stream.endAt(expiresAt);
    return stream;
  }

  /** Wraps without the caps (`admit` without limits configured). */
  wrap(
    source: AsyncIterable<ExecutionResult>,
    operation = 'anonymous',
    context?: object,
  ): AsyncIterableIterator<ExecutionResult> {
    return new LiveStream(source[Symbol.asyncIterator](), this, operation, context, undefined);
  }

  private refusalFor(key: string): ExecutionResult | undefined {
    const limits = this.limits;
    if (!limits) return undefined;
    // The caller's own cap first: it is the one its caller can do something about.
    if ((this.callers.get(key)?.open ?? 0) >= limits.perCaller)
      return subscriptionLimitResult('MAX_SUBSCRIPTIONS_PER_CALLER', limits.perCaller);
    if (this.streams.size >= limits.total)
      return subscriptionLimitResult('MAX_SUBSCRIPTIONS', limits.total);
    return undefined;
  }

  /** @internal LiveStream's bookkeeping. */
  opened(stream: LiveStream): void {
    this.streams.add(stream);
    this.observer?.subscriptionOpened();
  }

  /** @internal */
  closed(stream: LiveStream): void {
    if (!this.streams.delete(stream)) return;
    const bucket = stream.caller;
    if (bucket && --bucket.open === 0) this.callers.delete(bucket.key);
    this.observer?.subscriptionClosed();
  }
}

/**
 * Applies `live` to every subscription at the operation level, so resolvers need no hook; new
 * subscriptions are refused with SHUTTING_DOWN once the drain started.
 */
export function useLiveSubscriptions(live: LiveSubscriptions): YogaPlugin {
  // One hooks object for all subscriptions: nothing allocated per subscription here.
  const afterSubscribe: ReturnType<NonNullable<YogaPlugin['onSubscribe']>> = {
    onSubscribeResult({ args, result, setResult }) {
      if (!isAsyncIterable<ExecutionResult>(result)) return;
      const name = getOperationAST(args.document, args.operationName)?.name?.value;
      setResult(live.admit(result, name ?? 'anonymous', args.contextValue as object));
    },
  };
  return {
    onSubscribe({ args, setResultAndStopExecution }) {
      const refused = live.signal.aborted
        ? shuttingDownResult()
        : live.refusal(args.contextValue as object);
      if (!refused) return afterSubscribe;
      setResultAndStopExecution(refused);
      return undefined;
    },
  };
}

/** `extensions.limit` names the variable that sets the cap, as QUERY_LIMIT_EXCEEDED's names its limit. */
function subscriptionLimitResult(limit: string, max: number): ExecutionResult {
  return {
    errors: [
      createGraphQLError(`Too many open subscriptions (at most ${max}); end one first`, {
        extensions: { code: SUBSCRIPTION_LIMIT, limit },
      }),
    ],
  };
}

/** A subscription outliving its caller's JWT: sign in again and resubscribe. */
export function credentialsExpiredResult(): ExecutionResult {
  return {
    errors: [
      createGraphQLError('The bearer token expired; subscribe again with a fresh one', {
        extensions: { code: 'UNAUTHENTICATED' },
      }),
    ],
  };
}

export function shuttingDownResult(): ExecutionResult {
  return {
    errors: [
      createGraphQLError('The server is shutting down; subscribe again elsewhere', {
        extensions: { code: 'SHUTTING_DOWN' },
      }),
    ],
  };
}

/**
 * Yoga puts the HTTP Request (headers, URL, body, abort signal) and the parsed params on the
 * GraphQL context, and every event of a subscription executes with that context, so they would
 * live as long as the stream: ~1.5 KB per subscriber. Once the stream is read, the request has
 * been answered (auth, limits and logs ran before), and subscription resolvers never read them.
 * Set to undefined rather than deleted, so the context keeps its shape.
 */
function releaseRequest(context: object): void {
  const scoped = context as { request?: unknown; params?: unknown };
  if (scoped.request !== undefined) scoped.request = undefined;
  if (scoped.params !== undefined) scoped.params = undefined;
}

const DONE: IteratorResult<ExecutionResult> = Object.freeze({ done: true, value: undefined });
const SHUTDOWN = Symbol('shutdown');
const EXPIRED = Symbol('expired');

/**
 * A class rather than an async generator: a generator suspended in `await` queues `return()`
 * until that await settles, so a client leaving a quiet subscription would not release the
 * source until its next event. Here `return()` reaches the source at once.
 */
class LiveStream implements AsyncIterableIterator<ExecutionResult> {
  private finished = false;
  /** Settles the pending next() early when the drain starts. */
  private wake: ((value: typeof SHUTDOWN | typeof EXPIRED) => void) | undefined;
  /** Only for streams whose credentials expire (endAt): ends them then. */
  private expiry: NodeJS.Timeout | undefined;
  private expired = false;

  constructor(
    private readonly inner: AsyncIterator<ExecutionResult>,
    private readonly live: LiveSubscriptions,
    private readonly operation: string,
    /** Until the first next(): the context whose request-scoped members are then dropped. */
    private context: object | undefined,
    /** The caller it counts for (LiveSubscriptions' limits); undefined without limits. */
    readonly caller: CallerBucket | undefined,
  ) {
    live.opened(this);
  }

  shutdown(): void {
    this.wake?.(SHUTDOWN);
  }

  /** Ends the stream with UNAUTHENTICATED at `expiresAt` (epoch ms), unless it ended before. */
  endAt(expiresAt: number): void {
    const delay = expiresAt - Date.now();
    if (delay <= 0) {
      this.expire();
      return;
    }
    this.expiry = setTimeout(
      () => {
        if (delay > MAX_TIMER_MS) this.endAt(expiresAt);
        else this.expire();
      },
      Math.min(delay, MAX_TIMER_MS),
    );
    this.expiry.unref();
  }

  private expire(): void {
    this.expired = true;
    this.wake?.(EXPIRED);
  }

  async next(): Promise<IteratorResult<ExecutionResult>> {
    if (this.context) {
      releaseRequest(this.context);
      this.context = undefined;
    }
    if (this.finished) return DONE;
    let next: IteratorResult<ExecutionResult> | typeof SHUTDOWN | typeof EXPIRED;
    try {
      next = this.live.signal.aborted
        ? SHUTDOWN
        : this.expired
          ? EXPIRED
          : await new Promise<IteratorResult<ExecutionResult> | typeof SHUTDOWN | typeof EXPIRED>(
              (resolve, reject) => {
                this.wake = resolve;
                this.inner.next().then(resolve, reject);
              },
            );
    } catch (err) {
      this.release();
      throw err;
    } finally {
      this.wake = undefined;
    }
    if (this.finished) return DONE; // return() came while waiting
    if (next === SHUTDOWN || next === EXPIRED) {
      this.release();
      // Not awaited: a source waiting for its next event may only settle a pending next().
      this.inner.return?.().catch(() => undefined);
      return {
        done: false,
        value: next === SHUTDOWN ? shuttingDownResult() : credentialsExpiredResult(),
      };
    }
    if (next.done) this.release();
    else this.live.observer?.subscriptionResult(this.operation, next.value);
    return next;
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    if (!this.finished) {
      const wake = this.wake;
      this.release();
      wake?.(SHUTDOWN); // a pending next() ends (done) rather than wait for the source
      await this.inner.return?.();
    }
    return DONE;
  }

  async throw(error: unknown): Promise<IteratorResult<ExecutionResult>> {
    this.release();
    if (this.inner.throw) return this.inner.throw(error);
    throw error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private release(): void {
    clearTimeout(this.expiry);
    this.finished = true;
    this.wake = undefined;
    this.live.closed(this);
  }
}
