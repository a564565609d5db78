import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { handleErrorFromRequestHandler, isPromise, sendNodeResponse } from '@whatwg-node/server';
import type { ExecutionResult, GraphQLError } from 'graphql';
import type { Plugin as YogaPlugin } from 'graphql-yoga';
import type { App } from '../app.ts';
import { LIMITS } from '../limits.ts';
import { requestSlot } from './request-slot.ts';

/**
 * Subscriptions over SSE at a few KB per open stream (bench fan-out: memory per subscriber).
 *
 * Yoga handles the request as always: every plugin (auth, CSRF, limits, body cap, logs, metrics,
 * shutdown) and the envelop (parse, validate, subscribe) run unchanged, and the bytes sent are
 * those of Yoga's own SSE processor. Only the way the events reach the socket differs. Yoga's SSE
 * body is a web ReadableStream that whatwg-node pipes into the Node response through a Readable,
 * a Proxy, bound functions and a dozen listeners, with a ping timer per stream; here the body is
 * an async iterator (`SseEvents`), which `nodeListener` writes to the socket itself, with one
 * ping timer for all streams. Anywhere else (`app.fetch`, `createServer(app)`) the same body
 * reads as an ordinary stream.
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

/** A lean SSE response's events, kept on the Response Yoga returns (request-slot.ts). */
const leanBodies = requestSlot<SseEvents>('plugin-graph.sse-body');

export interface NodeListenerOptions {
  /** Keep-alive comment period for idle proxies and browsers; Yoga's is 12 s. */
  readonly pingMs?: number;
  /** A response that failed half-way (the client sees it cut); default: stderr, as whatwg-node. */
  readonly onSendError?: (err: unknown) => void;
}

/**
 * The Node request listener for `app`: what `createServer(app)` does (whatwg-node), except that
 * a lean SSE response is written to the socket directly, and pinged by one timer for all.
 */
export function nodeListener(app: App, options: NodeListenerOptions = {}): RequestListener {
  const pings = new Pings(options.pingMs ?? 12_000);
  const reportSendError = options.onSendError ?? printSendError;
  const respond = (response: Response, req: IncomingMessage, res: ServerResponse) => {
    const events = leanBodies.get(response);
    if (events) {
      writeEvents(response, events, req, res, pings);
      return;
    }
    const sent = sendNodeResponse(response, res, req, true);
    if (isPromise(sent)) sent.catch(reportSendError);
  };
  // As whatwg-node's own listener, without a promise hop where Yoga answers synchronously.
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const send = (response: Response) => {
      try {
        respond(response, req, res);
      } catch (err) {
        reportSendError(err);
      }
    };
    const fail = (err: unknown) => send(handleErrorFromRequestHandler(err, app.fetchAPI.Response));
    try {
      const response = app.handleNodeRequestAndResponse(req, res, { req, res });
      if (isPromise(response)) response.then(send, fail);
      else send(response);
    } catch (err) {
      fail(err);
    }
  };
  return (req, res) => {
    if (!isSmallSsePost(req)) {
      handle(req, res);
      return;
    }
    // whatwg-node reads a body with listeners it never removes, so the Request (headers, URL,
    // body) would live as long as the connection; read here, it is handed over as a Buffer.
    readBody(req).then(
      (body) => {
        (req as IncomingMessage & { body?: Buffer }).body = body;
        handle(req, res);
      },
      () => res.destroy(),
    );
  };
}

/** As whatwg-node: the response may be half sent; nothing better to do than report it. */
function printSendError(err: unknown): void {
  console.error(`Unexpected error while handling request: ${String(err)}`);
}

/** The whole body; no listener is left on `req` once it settles. */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const onData = (chunk: Buffer) => chunks.push(chunk);
    const onEnd = () => settle(() => resolve(Buffer.concat(chunks)));
    const onFail = () => settle(() => reject(new Error('request body not received')));
    const settle = (done: () => void) => {
      req.off('data', onData).off('end', onEnd).off('error', onFail).off('close', onFail);
      done();
    };
    req.on('data', onData).on('end', onEnd).on('error', onFail).on('close', onFail);
  });
}

/** A POST that asks for SSE, with a Content-Length within the body cap (limits.ts). */
function isSmallSsePost(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (
    req.method === 'POST' &&
    (req.headers.accept ?? '').includes('text/event-stream') &&
    length !== undefined &&
    /^\d+$/.test(length) &&
    Number(length) > 0 &&
    Number(length) <= LIMITS.maxRequestBodyBytes
  );
}

function writeEvents(
  response: Response,
  events: SseEvents,
  req: IncomingMessage,
  res: ServerResponse,
  pings: Pings,
): void {
  if (res.destroyed) {
    void events.return();
    return;
  }
  // Headers given to writeHead (not setHeader): Node then keeps no header map for the stream.
  const headers: Record<string, string> = {};
  response.headers.forEach((value, key) => {
    headers[key] = value;
  });
  res.writeHead(response.status, response.statusText, headers);
  // As whatwg-node does for any streamed body: a quiet stream is not an idle socket.
  req.socket.setTimeout(0);
  req.socket.setNoDelay(true);
  req.socket.setKeepAlive(true);
  pings.add(res);
  res.once('close', () => {
    pings.delete(res);
    // The client left (or the stream ended): release the subscription at once.
    void events.return();
  });
  void pump(events, res);
}

async function pump(events: SseEvents, res: ServerResponse): Promise<void> {
  try {
    for (;;) {
      const { done, value } = await events.next();
      if (done || res.destroyed) break;
      if (!res.write(value)) await drained(res);
    }
    res.end();
  } catch {
    res.destroy(); // the stream failed: the client sees the connection cut, as with Yoga's
  }
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

const PING = Buffer.from(':\n\n');

/** One timer writing Yoga's keep-alive comment to every open stream (not one timer each). */
class Pings {
  private readonly streams = new Set<ServerResponse>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly periodMs: number) {}

  add(res: ServerResponse): void {
    this.streams.add(res);
    this.timer ??= setInterval(() => this.ping(), this.periodMs).unref();
  }

  delete(res: ServerResponse): void {
    this.streams.delete(res);
    if (this.streams.size > 0) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private ping(): void {
    for (const res of this.streams) if (!res.writableNeedDrain) res.write(PING);
  }
}

const DONE: IteratorResult<Uint8Array> = Object.freeze({ done: true, value: undefined });

/**
 * A subscription's results as SSE bytes, exactly as Yoga's processor writes them: a first
 * comment (some browsers wait for a byte before they expose the stream), `event: next` with each
 * result, `event: complete` at the end.
 */
class SseEvents implements AsyncIterableIterator<Uint8Array> {
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

function isAsyncIterable<T>(value: unknown): value is AsyncIterable<T> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}
