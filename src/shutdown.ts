import type { ExecutionResult } from 'graphql';
import { createGraphQLError, type Plugin as YogaPlugin } from 'graphql-yoga';

/**
 * SIGTERM drain, subscription side (SPEC §8): once `signal` aborts, every open subscription gets
 * one last result with an error coded SHUTTING_DOWN and completes, whatever its transport (SSE,
 * multipart, WebSocket through Yoga's envelop) and whatever its resolver; new subscriptions are
 * refused the same way. Works at the operation level, so subscription resolvers need no hook.
 */
export function useShutdown(signal: AbortSignal): YogaPlugin {
  return {
    onSubscribe({ setResultAndStopExecution }) {
      if (signal.aborted) {
        setResultAndStopExecution(shuttingDownResult());
        return undefined;
      }
      return {
        onSubscribeResult({ result, setResult }) {
          if (isAsyncIterable(result)) setResult(untilShutdown(result, signal));
        },
      };
    },
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

function isAsyncIterable<T>(value: unknown): value is AsyncIterable<T> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/**
 * A hand-written iterator rather than an async generator: a generator suspended in `await`
 * queues `return()` until that await settles, so a client leaving a quiet subscription would
 * not release the source until its next event. Here `return()` reaches the source at once.
 */
export function untilShutdown(
  source: AsyncIterable<ExecutionResult>,
  signal: AbortSignal,
): AsyncIterableIterator<ExecutionResult> {
  const inner = source[Symbol.asyncIterator]();
  let finished = false;
  // One abort listener for the stream's life, waking whichever next() is pending. (Racing each
  // next() against one shared "aborted" promise would leave a reaction per event on it.)
  let wake: ((value: 'shutdown') => void) | undefined;
  const onAbort = () => wake?.('shutdown');
  signal.addEventListener('abort', onAbort, { once: true });
  const release = () => {
    finished = true;
    wake = undefined;
    signal.removeEventListener('abort', onAbort);
  };
  const done = (): IteratorResult<ExecutionResult> => ({ done: true, value: undefined });
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      if (finished) return done();
      const next = signal.aborted
        ? 'shutdown'
        : await new Promise<IteratorResult<ExecutionResult> | 'shutdown'>((resolve, reject) => {
            wake = resolve;
            inner.next().then(resolve, reject);
          });
      wake = undefined;
      if (finished) return done();
      if (next === 'shutdown') {
        release();
        // Not awaited: a source waiting for its next event may only settle a pending next().
        inner.return?.().catch(() => undefined);
        return { done: false, value: shuttingDownResult() };
      }
      if (next.done) release();
      return next;
    },
    async return() {
      if (!finished) {
        release();
        await inner.return?.();
      }
      return done();
    },
    async throw(error: unknown) {
      release();
      if (inner.throw) return inner.throw(error);
      throw error;
    },
  };
}
