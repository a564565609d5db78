import type { ExecutionResult, GraphQLError } from 'graphql';
import { isAsyncIterable, type Plugin as YogaPlugin } from 'graphql-yoga';
import { requestSlot } from '../request/slot.ts';

/**
 * Subscriptions over SSE at a few KB per open stream (bench fan-out: memory per subscriber).
 *
 * Yoga handles the request as always: every plugin (auth, CSRF, limits, body cap, logs, metrics,
 * shutdown) and the envelop (parse, validate, subscribe) run unchanged, and the bytes sent are
 * those of Yoga's own SSE processor. Only the way the events reach the socket differs. Yoga's SSE
 * body is a web ReadableStream that whatwg-node pipes into the Node response through a Readable,
 * a Proxy, bound functions and a dozen listeners, with a ping timer per stream; here the body is
 * an async iterator (`SseEvents`), which `nodeListener` (node-listener.ts) writes to the socket
 * itself, with one ping timer for all streams. Anywhere else (`app.fetch`, `createServer(app)`)
 * the same body reads as an ordinary stream.
 *
 * UPSTREAM MIRROR (graphql-yoga 5.24.1, pinned with `~`): the bytes, headers and first comment
 * are copied from Yoga's `plugins/result-processor/sse.js` (`getSSEProcessor`) and `printResult`
 * from its `result-processor/stringify.js` (`jsonStringifyResultWithoutInternals`). No upstream
 * issue: Yoga's processor is correct, only heavy (a web stream and a timer per subscriber). On an
 * upgrade, test/http/sse.test.ts ("the same status, headers and bytes as Yoga's own SSE
 * processor") must pass unchanged. Delete this file and node-listener.ts, and go back to
 * `createServer(app)`, once Yoga's own SSE costs no more per subscriber in the bench fan-out
 * (bench/PROFILING.md, "Memory per SSE subscriber").
 */
export function useLeanSse(): YogaPlugin {
  return {
    onResultProcess({ request, result, resultProcessor, setResultProcessor }) {
      // Only a stream for which Yoga chose SSE (an explicit `text/event-stream` and no multipart
      // alternative); anything else keeps Yoga's processors.
      if (!resultProcessor || !isAsyncIterable<ExecutionResult>(result)) return;
      const accept = request.headers.get('accept') ?? '';
      if (!accept.includes('text/event-stream') || accept.includes('multipart/mixed')) return;
      setResultProcessor((processed, fetchAPI) => {
        const events = new SseEvents(
          (processed as AsyncIterable<ExecutionResult>)[Symbol.asyncIterator](),
        );
        // whatwg-node's Response takes an async iterable body (the DOM types do not say so) and
        // turns it into a stream only if someone reads `body`; nodeListener never does.
        const body = events as unknown as BodyInit;
        const response = new fetchAPI.Response(body, { status: 200, headers: SSE_HEADERS });
        leanBodies.set(response, events);
        return response;
      }, 'text/event-stream');
    },
  };
}

/** Yoga's SSE response headers. */
const SSE_HEADERS = {
  'Content-Type': 'text/event-stream',
  Connection: 'keep-alive',
  'Cache-Control': 'no-cache',
  'Content-Encoding': 'none',
};

/** A lean SSE response's events, kept on the Response Yoga returns (request/slot.ts). */
const leanBodies = requestSlot<SseEvents>('plugin-graph.sse-body');

/** The events of a response `useLeanSse` made, for the listener to write; else undefined. */
export function leanSseEvents(response: Response): SseEvents | undefined {
  return leanBodies.get(response);
}

/** Yoga's first byte and keep-alive comment. */
export const PING = Buffer.from(':\n\n');

const DONE: IteratorResult<Uint8Array> = Object.freeze({ done: true, value: undefined });

/**
 * A subscription's results as SSE bytes, exactly as Yoga's processor writes them: a first
 * comment (some browsers wait for a byte before they expose the stream), `event: next` with each
 * result, `event: complete` at the end.
 */
export class SseEvents implements AsyncIterableIterator<Uint8Array> {
  private started = false;
  private ended = false;

  constructor(private readonly results: AsyncIterator<ExecutionResult>) {}

  async next(): Promise<IteratorResult<Uint8Array>> {
    if (!this.started) {
      this.started = true;
      return { done: false, value: PING };
    }
    if (this.ended) return DONE;
    const { done, value } = await this.results.next();
    if (this.ended) return DONE; // return() came while waiting
    let text = value == null ? '' : `event: next\ndata: ${printResult(value)}\n\n`;
    if (done) {
      this.ended = true;
      text += 'event: complete\ndata:\n\n';
    }
    return { done: false, value: Buffer.from(text) };
  }

  async return(): Promise<IteratorResult<Uint8Array>> {
    if (!this.ended) {
      this.ended = true;
      await this.results.return?.();
    }
    return DONE;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/**
 * A result as Yoga prints it (its result-processor/stringify.js): errors without the internal
 * `http` and `unexpected` extensions, result extensions without `http`, and graphql-jit's
 * compiled `stringify` where the result carries one.
 */
export function printResult(result: ExecutionResult): string {
  const stringify =
    (result as { stringify?: (value: unknown) => string }).stringify ?? JSON.stringify;
  if (!result.errors?.length && !result.extensions?.http) return stringify(result);
  const printed: Record<string, unknown> = { ...result };
  if (result.errors) printed.errors = result.errors.map(publicError);
  if (result.extensions) {
    const { http: _http, ...extensions } = result.extensions;
    printed.extensions = Object.keys(extensions).length ? extensions : undefined;
  }
  return stringify(printed);
}

function publicError(error: GraphQLError): unknown {
  if (typeof error.toJSON !== 'function') return error;
  const json = error.toJSON();
  const { http: _http, unexpected: _unexpected, ...extensions } = json.extensions ?? {};
  return { ...json, extensions: Object.keys(extensions).length ? extensions : undefined };
}
