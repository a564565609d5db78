import { randomUUID } from 'node:crypto';
import type { Plugin as YogaPlugin } from 'graphql-yoga';
import { z } from 'zod';
import type { Authenticate } from '../auth.ts';
import { LIMITS } from '../limits.ts';

/**
 * graphql-sse's "single connection mode" (its PROTOCOL.md, client option `singleConnection:
 * true`) on `/graphql`, beside the distinct-connections mode Yoga serves itself:
 *
 * - `PUT` reserves a stream and answers its token (201, text/plain);
 * - `GET` with the token (header `x-graphql-event-stream-token` or `?token=`) and
 *   `Accept: text/event-stream` opens it: every operation's results arrive there as
 *   `event: next` / `event: complete` with `{ id, payload }` / `{ id }`;
 * - `POST` with the token and `extensions.operationId` runs one operation (202);
 * - `DELETE ?operationId=` with the token stops one.
 *
 * Each operation is handed to Yoga as the SSE POST a distinct-mode client would send (token
 * header dropped), so auth, limits, the body cap, logs, metrics, graphql-jit and the drain apply
 * to it exactly as to any request; its events are then re-addressed onto the stream. Every
 * request of the mode needs a valid bearer token when auth is on. A reservation not opened
 * within `reservationMs` is dropped; at most `maxReservations` wait at once.
 */

/** graphql-sse 2.6's names (its common.ts). */
export const STREAM_TOKEN_HEADER = 'x-graphql-event-stream-token';
const STREAM_TOKEN_PARAM = 'token';

export interface SingleConnectionOptions {
  readonly authenticate: Authenticate;
  /** The app's own fetch (every server-adapter hook included), to run each operation. */
  readonly dispatch: (url: string, init: RequestInit) => Response | Promise<Response>;
  /** Aborted when the drain starts: no new streams; each ends once its operations have. */
  readonly shutdown: AbortSignal;
  /** How long a reserved stream waits for its GET; default 30 s. */
  readonly reservationMs?: number;
  /** Reserved streams not yet opened, at most; default 1,000. */
  readonly maxReservations?: number;
  /** Keep-alive comment period, as Yoga's SSE; default 12 s. */
  readonly pingMs?: number;
}

/** The Yoga server's fetch API: the classes its responses are made of. */
interface FetchApi {
  readonly Response: typeof Response;
  readonly ReadableStream: typeof ReadableStream;
  readonly Headers: typeof Headers;
}

export function useSingleConnectionSse(options: SingleConnectionOptions): YogaPlugin {
  let streams: Streams | undefined;
  return {
    onYogaInit({ yoga }) {
      streams = new Streams(yoga.fetchAPI, options);
    },
    onRequest({ request, url, endResponse }) {
      if (!streams || !isSingleConnection(request, url)) return;
      return streams.handle(request, url).then(endResponse);
    },
  };
}

/** Cheap on the JSON POST path: one header lookup. */
function isSingleConnection(request: Request, url: URL): boolean {
  const method = request.method;
  if (method === 'POST') return request.headers.has(STREAM_TOKEN_HEADER) && isEndpoint(url);
  if (method === 'PUT' || method === 'DELETE') return isEndpoint(url);
  if (method !== 'GET' || !isEndpoint(url)) return false;
  return (
    request.headers.has(STREAM_TOKEN_HEADER) ||
    (url.search.includes(`${STREAM_TOKEN_PARAM}=`) && url.searchParams.has(STREAM_TOKEN_PARAM))
  );
}

const isEndpoint = (url: URL) => url.pathname === '/graphql';

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  connection: 'keep-alive',
  'cache-control': 'no-cache',
  'content-encoding': 'none',
};

const PING = new TextEncoder().encode(':\n\n');

/** The body fields this mode reads; the rest is Yoga's to validate. */
const operationBody = z.object({
  extensions: z.object({ operationId: z.string().min(1).max(128) }),
});

class Streams {
  private readonly streams = new Map<string, EventStream>();
  private waiting = 0;
  readonly reservationMs: number;
  readonly maxReservations: number;
  readonly pingMs: number;

  constructor(
    readonly fetchAPI: FetchApi,
    private readonly options: SingleConnectionOptions,
  ) {
    this.reservationMs = options.reservationMs ?? 30_000;
    this.maxReservations = options.maxReservations ?? 1_000;
    this.pingMs = options.pingMs ?? 12_000;
    options.shutdown.addEventListener('abort', () => {
      for (const stream of this.streams.values()) stream.drain();
    });
  }

  async handle(request: Request, url: URL): Promise<Response> {
    if (this.options.authenticate(request.headers.get('authorization')) === undefined) {
      return this.error(401, 'UNAUTHENTICATED', 'Missing or invalid bearer token', {
        'www-authenticate': 'Bearer realm="plugin-graph"',
      });
    }
    if (request.method === 'PUT') return this.reserve();
    const token =
      request.headers.get(STREAM_TOKEN_HEADER) ?? url.searchParams.get(STREAM_TOKEN_PARAM);
    const stream = token === null ? undefined : this.streams.get(token);
    if (!stream) return this.error(404, 'STREAM_NOT_FOUND', 'Stream not found');
    if (request.method === 'GET') return this.open(stream);
    if (request.method === 'DELETE') {
      const operationId = url.searchParams.get('operationId');
      if (!operationId) return this.error(400, 'BAD_REQUEST', 'Operation ID is missing');
      stream.stop(operationId);
      return new this.fetchAPI.Response(null, { status: 200 });
    }
    return this.operate(stream, request);
  }

  error(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    return new this.fetchAPI.Response(
      JSON.stringify({ errors: [{ message, extensions: { code } }] }),
      { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } },
    );
  }

  private reserve(): Response {
    if (this.options.shutdown.aborted)
      return this.error(503, 'SHUTTING_DOWN', 'The server is shutting down');
    if (this.waiting >= this.maxReservations)
      return this.error(429, 'TOO_MANY_STREAMS', 'Too many streams reserved and not opened');
    const token = randomUUID();
    const stream = new EventStream(token, this);
    this.streams.set(token, stream);
    this.waiting++;
    return new this.fetchAPI.Response(token, {
      status: 201,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
    });
  }

  private open(stream: EventStream): Response {
    if (stream.isOpen) return this.error(409, 'STREAM_CONFLICT', 'Stream already open');
    return new this.fetchAPI.Response(stream.open(), { status: 200, headers: SSE_HEADERS });
  }

  private async operate(stream: EventStream, request: Request): Promise<Response> {
    const text = await readCapped(request, LIMITS.maxRequestBodyBytes);
    if (text === undefined)
      return this.error(413, 'REQUEST_ENTITY_TOO_LARGE', 'Request body too large');
    const parsed = operationBody.safeParse(parseJson(text));
    if (!parsed.success) return this.error(400, 'BAD_REQUEST', 'Operation ID is missing');
    const { operationId } = parsed.data.extensions;
    if (!stream.isOpen)
      return this.error(409, 'STREAM_CONFLICT', 'Open the stream (GET) before sending operations');
    if (stream.has(operationId))
      return this.error(409, 'STREAM_CONFLICT', 'Operation with ID already exists');
    const operation = stream.add(operationId);
    // The request a distinct-connections client would send: same credentials, SSE answer.
    const headers = new this.fetchAPI.Headers(request.headers);
    headers.delete(STREAM_TOKEN_HEADER);
    headers.delete('content-length');
    headers.set('accept', 'text/event-stream');
    headers.set('content-type', 'application/json');
    const response = await this.options.dispatch(request.url, {
      method: 'POST',
      headers,
      body: text,
    });
    const type = response.headers.get('content-type') ?? '';
    if (response.status !== 200 || !type.startsWith('text/event-stream') || !response.body) {
      stream.stop(operationId);
      // Refused before it ran (400, 413, 503...): the answer, as JSON, goes to the POST.
      const refusal = firstEventData(await response.text());
      return new this.fetchAPI.Response(refusal, {
        status: response.status === 200 ? 400 : response.status,
        headers: { 'content-type': 'application/json; charset=utf-8' },
      });
    }
    operation.forward(response.body);
    return new this.fetchAPI.Response(null, { status: 202 });
  }

  /** @internal EventStream's bookkeeping. */
  opened(): void {
    this.waiting--;
  }

  /** @internal */
  closed(stream: EventStream, wasWaiting: boolean): void {
    if (this.streams.get(stream.token) === stream) this.streams.delete(stream.token);
    if (wasWaiting) this.waiting--;
  }
}

/** One reserved stream: its SSE body once opened, and the operations writing to it. */
class EventStream {
  private readonly operations = new Map<string, Operation>();
  private controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  private ping: NodeJS.Timeout | undefined;
  private readonly expiry: NodeJS.Timeout;
  private closed = false;
  private draining = false;

  constructor(
    readonly token: string,
    private readonly owner: Streams,
  ) {
    this.expiry = setTimeout(() => this.close(), owner.reservationMs).unref();
  }

  get isOpen(): boolean {
    return this.controller !== undefined && !this.closed;
  }

  open(): ReadableStream<Uint8Array> {
    clearTimeout(this.expiry);
    this.owner.opened();
    return new this.owner.fetchAPI.ReadableStream<Uint8Array>({
      start: (controller) => {
        this.controller = controller;
        // A first byte: some browsers expose the stream only once one arrives.
        controller.enqueue(PING);
        this.ping = setInterval(() => this.send(PING), this.owner.pingMs).unref();
      },
      // The client left: every operation on the stream stops with it.
      cancel: () => this.close(),
    });
  }

  has(operationId: string): boolean {
    return this.operations.has(operationId);
  }

  add(operationId: string): Operation {
    const operation = new Operation(operationId, this);
    this.operations.set(operationId, operation);
    return operation;
  }

  stop(operationId: string): void {
    this.operations.get(operationId)?.stop();
    this.finished(operationId);
  }

  send(bytes: Uint8Array): void {
    if (this.isOpen) this.controller?.enqueue(bytes);
  }

  /** @internal An operation ended (completed, stopped, or failed). */
  finished(operationId: string): void {
    this.operations.delete(operationId);
    if (this.draining && this.operations.size === 0) this.close();
  }

  /** SIGTERM: each operation ends (SHUTTING_DOWN, shutdown.ts); then the stream ends too. */
  drain(): void {
    this.draining = true;
    if (this.operations.size === 0) this.close();
  }

  close(): void {
    if (this.closed) return;
    const wasWaiting = this.controller === undefined;
    this.closed = true;
    clearTimeout(this.expiry);
    clearInterval(this.ping);
    for (const operation of this.operations.values()) operation.stop();
    this.operations.clear();
    try {
      this.controller?.close();
    } catch {
      // already closed by a cancel
    }
    this.owner.closed(this, wasWaiting);
  }
}

const encoder = new TextEncoder();

/** One operation's SSE answer from Yoga, re-addressed onto the shared stream. */
class Operation {
  private reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  private stopped = false;
  /** The operation id as a JSON string, for the events' `id`. */
  private readonly id: string;

  constructor(
    private readonly operationId: string,
    private readonly stream: EventStream,
  ) {
    this.id = JSON.stringify(operationId);
  }

  stop(): void {
    this.stopped = true;
    void this.reader?.cancel().catch(() => undefined);
  }

  forward(body: ReadableStream<Uint8Array>): void {
    if (this.stopped) {
      void body.cancel().catch(() => undefined);
      return;
    }
    this.reader = body.getReader();
    void this.pump(this.reader);
  }

  private async pump(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffered = '';
    let completed = false;
    try {
      while (!completed) {
        const { done, value } = await reader.read();
        if (done || this.stopped) break;
        buffered += decoder.decode(value, { stream: true });
        let end = buffered.indexOf('\n\n');
        while (end !== -1 && !completed) {
          completed = this.relay(buffered.slice(0, end));
          buffered = buffered.slice(end + 2);
          end = buffered.indexOf('\n\n');
        }
      }
    } catch {
      // Yoga's stream failed: the operation ends here, as a cut stream would.
    }
    if (!this.stopped)
      this.stream.send(encoder.encode(`event: complete\ndata: {"id":${this.id}}\n\n`));
    this.stream.finished(this.operationId);
  }

  /** One event of Yoga's SSE; true once it was the `complete` event. */
  private relay(event: string): boolean {
    let name = '';
    const data: string[] = [];
    for (const line of event.split('\n')) {
      if (line.startsWith('event:')) name = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (name === 'complete') return true;
    if (name === 'next' && data.length > 0) {
      this.stream.send(
        encoder.encode(`event: next\ndata: {"id":${this.id},"payload":${data.join('\n')}}\n\n`),
      );
    }
    return false;
  }
}

/** The body as text, or undefined when it is over `limit` bytes (read no further). */
async function readCapped(request: Request, limit: number): Promise<string | undefined> {
  const length = request.headers.get('content-length');
  if (length !== null && (!/^\d+$/.test(length) || Number(length) > limit)) return undefined;
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The first `data:` of an SSE body (Yoga's answer to a refused SSE request), else the text. */
function firstEventData(text: string): string {
  const match = /^data: (.+)$/m.exec(text);
  return match?.[1] ?? text;
}
