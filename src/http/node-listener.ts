import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import {
  handleErrorFromRequestHandler,
  isPromise,
  type ServerAdapterObject,
  sendNodeResponse,
} from '@whatwg-node/server';
import { inRequestScope } from '../request/scope.ts';
import { compressAnswer } from './compress-answer.ts';
import { MAX_REQUEST_BODY_BYTES } from './request-body-limit.ts';
import { ResponseBatch } from './response-batch.ts';
import { leanSseEvents, PING, type SseEvents } from './sse.ts';

/**
 * The Node side of the server: `http.createServer(nodeListener(app))` (src/server.ts). Every
 * request goes to Yoga; a lean SSE response (sse.ts) is written to the socket here, and a large
 * JSON answer is compressed here (compress-answer.ts).
 *
 * UPSTREAM MIRROR (@whatwg-node/server 0.11.0, pinned with `~`): `handle` below is that
 * package's `requestListener` (createServerAdapter.js) without its promise hop, built from its
 * exports `sendNodeResponse` and `handleErrorFromRequestHandler`; `readBody` relies on its
 * `normalizeNodeRequest` taking an already read `req.body` Buffer as the body, and `writeEvents`
 * copies what `sendNodeResponse` does to the socket of a streamed body. No upstream issue: the
 * copy exists for memory per SSE subscriber (sse.ts). On an upgrade, test/http/sse.test.ts must
 * pass unchanged; delete with sse.ts.
 */

/** What the listener needs of the Yoga app: passed in, so src/http/ never imports app.ts. */
export type NodeApp = Pick<
  ServerAdapterObject<Record<string, unknown>>,
  'handleNodeRequestAndResponse'
> & { readonly fetchAPI: { readonly Response: typeof Response } };

export interface NodeListenerOptions {
  /** Keep-alive comment period for idle proxies and browsers; Yoga's is 12 s. */
  readonly pingMs?: number;
  /** A response that failed half-way (the client sees it cut); default: stderr, as whatwg-node. */
  readonly onSendError?: (err: unknown) => void;
}

/**
 * The Node request listener for `app`: what `createServer(app)` does (whatwg-node), except that
 * answers ready in one turn of the event loop are written together at its end, a large JSON
 * answer is compressed when the client accepts it, and a lean SSE response is written to the
 * socket directly, and pinged by one timer for all.
 */
export function nodeListener(app: NodeApp, options: NodeListenerOptions = {}): RequestListener {
  const pings = new Pings(options.pingMs ?? 12_000);
  const reportSendError = options.onSendError ?? printSendError;
  // Answers ready in one turn leave together at its end (response-batch.ts).
  const batch = new ResponseBatch(reportSendError);
  const respond = (response: Response, req: IncomingMessage, res: ServerResponse) => {
    const events = leanSseEvents(response);
    if (events) {
      writeEvents(response, events, req, res, pings);
      return;
    }
    const write = (answer: Response) =>
      batch.add(() => {
        const sent = sendNodeResponse(answer, res, req, true);
        if (isPromise(sent)) sent.catch(reportSendError);
      });
    // A large JSON answer is compressed off the event loop first (compress-answer.ts); a small
    // one, section 1's read among them, goes to the batch as it is.
    const answer = compressAnswer(response, req.headers['accept-encoding'], app.fetchAPI.Response);
    if (isPromise(answer)) answer.then(write, reportSendError);
    else write(answer);
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
  // Each request in a scope of its own: every line it causes carries its id (request/scope.ts).
  return (req, res) => inRequestScope(() => route(req, res));
  function route(req: IncomingMessage, res: ServerResponse): void {
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
  }
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

/** A POST that asks for SSE, with a Content-Length within the body cap (request-body-limit.ts). */
function isSmallSsePost(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (
    req.method === 'POST' &&
    (req.headers.accept ?? '').includes('text/event-stream') &&
    length !== undefined &&
    /^\d+$/.test(length) &&
    Number(length) > 0 &&
    Number(length) <= MAX_REQUEST_BODY_BYTES
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
