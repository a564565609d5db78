import type { Server } from 'node:http';
import { type DocumentNode, type ExecutionArgs, GraphQLError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { App } from './app.ts';

/**
 * GraphQL over WebSocket (`graphql-transport-ws`, graphql-ws + ws) on the HTTP server's
 * `/graphql`, executed by the same Yoga app (its plugins, context and error masking) as HTTP.
 */
export interface WebSocketOptions {
  /**
   * The caller's identity (a role) from the `authorization` of the `connection_init` payload
   * (`Bearer …`); undefined refuses the connection with close code 4403. Default: everyone in
   * (auth mode none).
   */
  readonly authenticate?: (authorization: string | undefined) => unknown;
  /** Period of the WebSocket pings that keep idle proxies from cutting a quiet stream. */
  readonly keepAliveMs?: number;
  readonly path?: string;
}

export interface WebSocketTransport {
  readonly server: WebSocketServer;
  /**
   * Waits (at most `graceMs`) for running operations to end (the drain ends subscriptions first,
   * with SHUTTING_DOWN), then closes every socket and stops accepting upgrades.
   */
  close(graceMs?: number): Promise<void>;
}

type Enveloped = ReturnType<App['getEnveloped']>;
interface Roots {
  readonly execute: Enveloped['execute'];
  readonly subscribe: Enveloped['subscribe'];
}

export function attachWebSocket(
  httpServer: Server,
  app: App,
  options: WebSocketOptions = {},
): WebSocketTransport {
  const wss = new WebSocketServer({ server: httpServer, path: options.path ?? '/graphql' });
  const authenticate = options.authenticate ?? (() => true);
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
      // false: graphql-ws closes the socket with 4403 Forbidden.
      onConnect: (ctx) => {
        const authorization = ctx.connectionParams?.authorization;
        return (
          authenticate(typeof authorization === 'string' ? authorization : undefined) !== undefined
        );
      },
      // Yoga's recipe: the enveloped execute/subscribe travel as the root value.
      execute: (args) => (args.rootValue as Roots).execute(args),
      subscribe: (args) => (args.rootValue as Roots).subscribe(args),
      onSubscribe: async (ctx, id, payload) => {
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
