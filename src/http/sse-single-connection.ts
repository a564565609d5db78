import { ServerResponse } from 'node:http';
import type { Plugin as YogaPlugin } from 'graphql-yoga';
import { z } from 'zod';
import { NoRoleError } from '../auth/jwt.ts';
import { CONNECTION_LIMITS } from './connection-limits.ts';
import { MAX_REQUEST_BODY_BYTES } from './request-body-limit.ts';
import {
  type EventStream,
  type FetchApi,
  StreamRegistry,
} from './sse-single-connection-streams.ts';

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
 * within `reservationMs` is dropped; at most `maxReservationsPerCaller` wait at once per caller,
 * `maxReservations` in all. A stream runs at most CONNECTION_LIMITS.maxOperationsPerConnection
 * operations at once and holds at most CONNECTION_LIMITS.maxBufferedBytes for its reader.
 */

/**
 * graphql-sse 2.6's names (its common.ts) and protocol (PROTOCOL.md): a mirror of that package's
 * wire format, pinned with `~`; test/http/sse-single-connection.test.ts drives its real client.
 */
export const STREAM_TOKEN_HEADER = 'x-graphql-event-stream-token';
const STREAM_TOKEN_PARAM = 'token';

export interface SingleConnectionOptions {
  /** The caller from an Authorization value (auth/auth.ts); undefined: refused with 401. */
  readonly authenticate: (authorization: string | null) => unknown;
  /**
   * Whose share a reservation counts in (auth/auth.ts CallerKey), from `{ caller, request }`: one
   * caller's reservations must not take every caller's slots.
   */
  readonly callerKey: (context: { readonly caller: unknown; readonly request: Request }) => string;
  /** The app's own fetch (every server-adapter hook included), to run each operation. */
  readonly dispatch: (url: string, init: RequestInit) => Response | Promise<Response>;
  /** Aborted when the drain starts: no new streams; each ends once its operations have. */
  readonly shutdown: AbortSignal;
  /** How long a reserved stream waits for its GET; default 30 s. */
  readonly reservationMs?: number;
  /**
   * Reserved streams not yet opened, at most, every caller together; default
   * CONNECTION_LIMITS.maxReservations (10,000).
   */
  readonly maxReservations?: number;
  /** The same for one caller; default CONNECTION_LIMITS.maxReservationsPerCaller (100). */
  readonly maxReservationsPerCaller?: number;
  /** Keep-alive comment period, as Yoga's SSE; default 12 s. */
  readonly pingMs?: number;
}

export function useSingleConnectionSse(options: SingleConnectionOptions): YogaPlugin {
  let handler: SingleConnection | undefined;
  return {
    onYogaInit({ yoga }) {
      handler = new SingleConnection(yoga.fetchAPI, options);
    },
    onRequest({ request, url, endResponse, serverContext }) {
      if (!handler || !isSingleConnection(request, url)) return;
      return handler.handle(request, url, serverContext).then(endResponse);
    },
  };
}

/** The Node response under the request (node-listener.ts passes `{ req, res }`), if any. */
function nodeResponseOf(serverContext: unknown): ServerResponse | undefined {
  const res = (serverContext as { res?: unknown } | undefined)?.res;
  return res instanceof ServerResponse ? res : undefined;
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

/** The body fields this mode reads; the rest is Yoga's to validate. */
const operationBody = z.object({
  extensions: z.object({ operationId: z.string().min(1).max(128) }),
});

/** The mode's requests: each answered from the registry of reserved streams. */
class SingleConnection {
  private readonly streams: StreamRegistry;
  private readonly maxReservations: number;
  private readonly maxReservationsPerCaller: number;

  constructor(
    private readonly fetchAPI: FetchApi,
    private readonly options: SingleConnectionOptions,
  ) {
    this.streams = new StreamRegistry(
      fetchAPI,
      options.reservationMs ?? 30_000,
      options.pingMs ?? 12_000,
      CONNECTION_LIMITS.maxBufferedBytes,
    );
    this.maxReservations = options.maxReservations ?? CONNECTION_LIMITS.maxReservations;
    this.maxReservationsPerCaller =
      options.maxReservationsPerCaller ?? CONNECTION_LIMITS.maxReservationsPerCaller;
    options.shutdown.addEventListener('abort', () => this.streams.drain());
  }

  async handle(request: Request, url: URL, serverContext?: unknown): Promise<Response> {
    let caller: unknown;
    try {
      caller = await this.options.authenticate(request.headers.get('authorization'));
    } catch (err) {
      if (!(err instanceof NoRoleError)) throw err;
      return this.error(403, 'FORBIDDEN', 'The signed-in user holds no plugin-graph role');
    }
    if (caller === undefined) {
      return this.error(401, 'UNAUTHENTICATED', 'Missing or invalid bearer token', {
        'www-authenticate': 'Bearer realm="plugin-graph"',
      });
    }
    if (request.method === 'PUT') return this.reserve(this.options.callerKey({ caller, request }));
    const token =
      request.headers.get(STREAM_TOKEN_HEADER) ?? url.searchParams.get(STREAM_TOKEN_PARAM);
    const stream = token === null ? undefined : this.streams.get(token);
    if (!stream) return this.error(404, 'STREAM_NOT_FOUND', 'Stream not found');
    if (request.method === 'GET') return this.open(stream, nodeResponseOf(serverContext));
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

  private reserve(caller: string): Response {
    if (this.options.shutdown.aborted)
      return this.error(503, 'SHUTTING_DOWN', 'The server is shutting down');
    if (this.streams.waitingFor(caller) >= this.maxReservationsPerCaller)
      return this.error(429, 'TOO_MANY_STREAMS', 'Too many streams reserved and not opened by you');
    if (this.streams.waiting >= this.maxReservations)
      return this.error(429, 'TOO_MANY_STREAMS', 'Too many streams reserved and not opened');
    const { token } = this.streams.reserve(caller);
    return new this.fetchAPI.Response(token, {
      status: 201,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
    });
  }

  private open(stream: EventStream, res: ServerResponse | undefined): Response {
    if (stream.isOpen) return this.error(409, 'STREAM_CONFLICT', 'Stream already open');
    // A reader too slow for the stream: its socket is cut (whatwg-node, waiting for the socket
    // to drain, would hold the response open as long as the client does).
    const body = stream.open(() => res?.destroy());
    return new this.fetchAPI.Response(body, { status: 200, headers: SSE_HEADERS });
  }

  private async operate(stream: EventStream, request: Request): Promise<Response> {
    const text = await readCapped(request, MAX_REQUEST_BODY_BYTES);
    if (text === undefined)
      return this.error(413, 'REQUEST_ENTITY_TOO_LARGE', 'Request body too large');
    const parsed = operationBody.safeParse(parseJson(text));
    if (!parsed.success) return this.error(400, 'BAD_REQUEST', 'Operation ID is missing');
    const { operationId } = parsed.data.extensions;
    if (!stream.isOpen)
      return this.error(409, 'STREAM_CONFLICT', 'Open the stream (GET) before sending operations');
    if (stream.has(operationId))
      return this.error(409, 'STREAM_CONFLICT', 'Operation with ID already exists');
    if (stream.size >= CONNECTION_LIMITS.maxOperationsPerConnection)
      return this.error(429, 'TOO_MANY_OPERATIONS', 'Too many operations running on the stream');
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
