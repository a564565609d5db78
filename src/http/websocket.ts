import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { type DocumentNode, type ExecutionArgs, GraphQLError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { YogaServerInstance } from 'graphql-yoga';
import { type ServerOptions, WebSocket, WebSocketServer } from 'ws';
import { NoRoleError } from '../auth/jwt.ts';
import { inRequestScope } from '../request/scope.ts';
import {
  CLOSE_SLOW_READER,
  CLOSE_TOO_MANY_OPERATIONS,
  CONNECTION_LIMITS,
} from './connection-limits.ts';
import { MAX_REQUEST_BODY_BYTES } from './request-body-limit.ts';
import { UnauthenticatedSockets } from './websocket-unauthenticated.ts';

/**
 * GraphQL over WebSocket (`graphql-transport-ws`, graphql-ws + ws) on the HTTP server's
 * `/graphql`, executed by the same Yoga app (its plugins, context and error masking) as HTTP.
 */
export interface WebSocketOptions {
  /**
   * The caller's identity (a role) from the `authorization` of the `connection_init` payload
   * (`Bearer …`); undefined refuses the connection with close code 4403 (a NoRoleError is let
   * in: its operations answer FORBIDDEN). Default: everyone in
   * (auth mode none).
   */
  readonly authenticate?: (authorization: string | undefined) => unknown;
  /** Period of the WebSocket pings that keep idle proxies from cutting a quiet stream. */
  readonly keepAliveMs?: number;
  readonly path?: string;
  /**
   * How long a socket may stay open before its `connection_init` is accepted; then it is closed
   * with 4408 (WS_INIT_TIMEOUT_MS). Default 3 s.
   */
  readonly initTimeoutMs?: number;
  /**
   * Sockets open at once that have not been acknowledged yet (WS_MAX_UNAUTHENTICATED), every
   * client address together; further upgrades are refused with HTTP 503. Default 100.
   */
  readonly maxUnauthenticated?: number;
  /**
   * The same from one client address (IPv6: one /64); further upgrades from it are refused with
   * HTTP 429. Default CONNECTION_LIMITS.maxUnauthenticatedPerAddress (10).
   */
  readonly maxUnauthenticatedPerAddress?: number;
  /**
   * Operations in flight on one socket, subscriptions included; one more closes the socket with
   * 4429. Default CONNECTION_LIMITS.maxOperationsPerConnection (200).
   */
  readonly maxOperations?: number;
  /**
   * Bytes the socket holds for a slow reader (ws' `bufferedAmount`, past what the kernel holds);
   * over it, the socket is closed with 1013 before anything more is sent. Default
   * CONNECTION_LIMITS.maxBufferedBytes (4 MiB).
   */
  readonly maxBufferedBytes?: number;
  /**
   * How long a socket we close may take to answer the close frame before it is cut: a peer that
   * never answers must not keep what it holds. Default 2 s (`ws` waits 30 s).
   */
  readonly closeTimeoutMs?: number;
}

export interface WebSocketTransport {
  readonly server: WebSocketServer;
  /**
   * Waits (at most `graceMs`) for running operations to end (the drain ends subscriptions first,
   * with SHUTTING_DOWN), then closes every socket and stops accepting upgrades.
   */
  close(graceMs?: number): Promise<void>;
}

/** What the transport needs of the Yoga app: passed in, so src/http/ never imports app.ts. */
export type EnvelopedApp = Pick<
  YogaServerInstance<Record<string, unknown>, Record<string, unknown>>,
  'getEnveloped'
>;

type Enveloped = ReturnType<EnvelopedApp['getEnveloped']>;
type SendData = Parameters<WebSocket['send']>[0];
type SendCallback = (err?: Error) => void;
type SendOptions = Exclude<Parameters<WebSocket['send']>[1], SendCallback | undefined>;
interface Roots {
  readonly execute: Enveloped['execute'];
  readonly subscribe: Enveloped['subscribe'];
}

export function attachWebSocket(
  httpServer: Server,
  app: EnvelopedApp,
  options: WebSocketOptions = {},
): WebSocketTransport {
  const unauthenticated = new UnauthenticatedSockets(
    options.maxUnauthenticated ?? 100,
    options.maxUnauthenticatedPerAddress ?? CONNECTION_LIMITS.maxUnauthenticatedPerAddress,
  );
  const maxOperations = options.maxOperations ?? CONNECTION_LIMITS.maxOperationsPerConnection;
  const maxBuffered = options.maxBufferedBytes ?? CONNECTION_LIMITS.maxBufferedBytes;
  // A reader that lets more than maxBuffered bytes wait is closed before anything more is queued
  // for it; true when the socket can take no more (closed now or before).
  const overBudget = (socket: WebSocket): boolean => {
    if (socket.readyState !== socket.OPEN) return true;
    if (socket.bufferedAmount <= maxBuffered) return false;
    socket.close(CLOSE_SLOW_READER, 'Too many bytes waiting to be read');
    return true;
  };
  // Checked in `send` itself: graphql-ws awaits its hooks (onNext...) before it sends, so a check
  // there would let every answer ready in the same turn pass before any of them is queued. What
  // is not sent is dropped as graphql-ws drops a send on a closing socket: its callback, no error.
  class BoundedWebSocket extends WebSocket {
    override send(data: SendData, options?: SendOptions | SendCallback, callback?: SendCallback) {
      const done = typeof options === 'function' ? options : callback;
      if (overBudget(this)) done?.();
      else super.send(data, typeof options === 'function' ? {} : (options ?? {}), done);
    }
  }
  // `closeTimeout` is an option of the ws installed (8.23) that @types/ws 8.18 does not list yet.
  const serverOptions: ServerOptions & { readonly closeTimeout: number } = {
    server: httpServer,
    path: options.path ?? '/graphql',
    // The HTTP body cap for every message (ws' default is 100 MiB): a bigger one closes the
    // socket with 1009 as soon as its frame header announces it, before it is buffered.
    maxPayload: MAX_REQUEST_BODY_BYTES,
    // No compression: an inflated message is what maxPayload would have to bound.
    perMessageDeflate: false,
    closeTimeout: options.closeTimeoutMs ?? 2_000,
    WebSocket: BoundedWebSocket,
    // Checked before a WebSocket exists: each unauthenticated one may hold a capped message.
    verifyClient: (info, accept) => {
      const refusal = unauthenticated.refusal(info.req);
      if (refusal === undefined) accept(true);
      else accept(false, refusal.status, refusal.message, { 'retry-after': '1' });
    },
  };
  const wss = new WebSocketServer(serverOptions);
  // Registered before graphql-ws' own listeners, so the budget check sees each message first.
  wss.on('connection', (socket, request) => {
    unauthenticated.add(socket, request);
    // ws answers each ping frame with a pong of its own, not through `send`.
    socket.on('ping', () => overBudget(socket));
  });
  const authenticate = options.authenticate ?? (async () => true);
  // Operations running per connection, so that close() lets their last messages
  // (SHUTTING_DOWN) go out first.
  const running = new Map<object, Set<string>>();
  let idle: (() => void) | undefined;
  const ended = (ctx: object, id?: string) => {
    if (id === undefined) running.delete(ctx);
    else running.get(ctx)?.delete(id);
    if (running.get(ctx)?.size === 0) running.delete(ctx);
    // graphql-ws calls onComplete before it sends `complete`: let that go out first.
    if (running.size === 0 && idle) setImmediate(idle);
  };
  const disposable = useServer<Record<string, unknown> | undefined>(
    {
      // Closes sockets whose connection_init did not come in time with 4408.
      connectionInitWaitTimeout: options.initTimeoutMs ?? 3_000,
      // false: graphql-ws closes the socket with 4403 Forbidden.
      onConnect: async (ctx) => {
        const authorization = ctx.connectionParams?.authorization;
        let accepted: boolean;
        try {
          accepted =
            (await authenticate(typeof authorization === 'string' ? authorization : undefined)) !==
            undefined;
        } catch (err) {
          // A signed-in user without role: let in, so that each operation can answer FORBIDDEN
          // (auth/auth.ts useAuth) rather than a bare close code.
          if (!(err instanceof NoRoleError)) throw err;
          accepted = true;
        }
        if (accepted) unauthenticated.delete(ctx.extra.socket);
        return accepted;
      },
      // Yoga's recipe: the enveloped execute/subscribe travel as the root value. Each operation
      // runs in a request scope of its own, so the lines it causes share an id (request/scope.ts).
      execute: (args) =>
        inRequestScope(() => (args.rootValue as Roots).execute(args), randomUUID()),
      subscribe: (args) =>
        inRequestScope(() => (args.rootValue as Roots).subscribe(args), randomUUID()),
      onSubscribe: async (ctx, id, payload) => {
        const socket = ctx.extra.socket;
        // graphql-ws still hands over the messages that arrive after we closed: none runs.
        if (socket.readyState !== socket.OPEN) return [CLOSED];
        // graphql-ws lists this operation already: every one it has not completed yet.
        if (Object.keys(ctx.subscriptions).length > maxOperations) {
          socket.close(CLOSE_TOO_MANY_OPERATIONS, 'Too many operations in flight');
          return [CLOSED];
        }
        const { schema, execute, subscribe, contextFactory, parse, validate } = app.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: payload,
        });
        let document: DocumentNode;
        try {
          document = parse(payload.query);
        } catch (err) {
          if (err instanceof GraphQLError) return [err];
          throw err;
        }
        const errors = validate(schema, document);
        if (errors.length > 0) return errors;
        const args: ExecutionArgs = {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe } satisfies Roots,
        };
        running.set(ctx, (running.get(ctx) ?? new Set()).add(id));
        return args;
      },
      onComplete: (ctx, id) => ended(ctx, id),
      onClose: (ctx) => ended(ctx),
    },
    wss,
    options.keepAliveMs ?? 12_000,
  );
  // graphql-ws 6.4 logs any socket error to the console as an internal error. The ones ws emits
  // are the peer's (an oversized or malformed frame), already answered with the close code that
  // says so (1009, 1002, 1007): not worth a line per abusive message.
  wss.on('connection', (socket) => {
    socket.removeAllListeners('error');
    socket.on('error', () => undefined);
  });
  return {
    server: wss,
    async close(graceMs = 2_000) {
      if (running.size > 0) {
        let timer: NodeJS.Timeout | undefined;
        await new Promise<void>((resolve) => {
          idle = resolve;
          timer = setTimeout(resolve, graceMs);
        });
        clearTimeout(timer);
      }
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** The answer to an operation that arrives on a socket being closed: never sent. */
const CLOSED = new GraphQLError('The connection is closing', {
  extensions: { code: 'CONNECTION_CLOSING' },
});
