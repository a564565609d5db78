import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createGatewayRuntime,
  type GatewayPlugin,
  getGraphQLWSOptions,
} from '@graphql-hive/gateway';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';

/** The subgraph name plugin-graph is composed under (the `name` of its `@join__graph`). */
export const PLUGIN_GRAPH = 'plugin-graph';

/** A request the gateway sent to plugin-graph over HTTP, as the gateway's fetch saw it. */
export interface SubgraphFetch {
  readonly url: string;
  readonly method: string;
  readonly accept: string | undefined;
  readonly body: string | undefined;
}

export interface HiveGateway {
  /** `http://127.0.0.1:<port>/graphql` (queries, mutations, SSE subscriptions) */
  readonly url: string;
  /** `ws://127.0.0.1:<port>/graphql` (graphql-transport-ws) */
  readonly wsUrl: string;
  /** Every HTTP request the gateway made to plugin-graph, in order. */
  readonly fetches: SubgraphFetch[];
  close(): Promise<void>;
}

export interface HiveGatewayOptions {
  readonly supergraphSdl: string;
  /**
   * How the gateway subscribes to plugin-graph: `sse`, Hive Gateway's default (GET with
   * `Accept: text/event-stream`, headers propagated like any request), or `ws`
   * (graphql-transport-ws, where the caller's token has to travel in `connectionParams`).
   */
  readonly subscriptions: 'sse' | 'ws';
}

/**
 * Hive Gateway as docs/federation.md "Behind a gateway" configures it, on a loopback socket: the caller's
 * `authorization` goes to plugin-graph on every HTTP request (`propagateHeaders`) and, for
 * WebSocket subscriptions, in `connection_init` (`connectionParams`); clients reach it over HTTP,
 * SSE and graphql-transport-ws, as the hive-gateway CLI serves it.
 */
export async function startHiveGateway(options: HiveGatewayOptions): Promise<HiveGateway> {
  const fetches: SubgraphFetch[] = [];
  const recordFetches: GatewayPlugin = {
    onFetch({ url, options: init }) {
      const headers = new Headers(init.headers as HeadersInit | undefined);
      fetches.push({
        url,
        method: init.method ?? 'GET',
        accept: headers.get('accept') ?? undefined,
        body: typeof init.body === 'string' ? init.body : undefined,
      });
    },
  };
  const gateway = createGatewayRuntime({
    supergraph: options.supergraphSdl,
    logging: false,
    landingPage: false,
    graphiql: false,
    propagateHeaders: {
      // Only plugin-graph gets the caller's token; the other subgraph has no business with it.
      // `context.headers` holds a WebSocket caller's connectionParams as well.
      fromClientToSubgraphs: ({ context, subgraphName }) =>
        subgraphName === PLUGIN_GRAPH ? { authorization: context.headers.authorization } : {},
    },
    ...(options.subscriptions === 'ws' && {
      transportEntries: {
        [PLUGIN_GRAPH]: {
          options: {
            subscriptions: {
              kind: 'ws',
              location: '/graphql',
              // Interpolated per subscription from the gateway's request context.
              options: { connectionParams: { authorization: '{context.headers.authorization}' } },
            },
          },
        },
      },
    }),
    plugins: () => [recordFetches],
  });

  const server = createServer(gateway);
  const wss = new WebSocketServer({ server, path: gateway.graphqlEndpoint });
  const websocket = useServer(
    getGraphQLWSOptions(gateway, (ctx) => {
      const req = (ctx.extra as { request: IncomingMessage }).request;
      return {
        req,
        socket: (ctx.extra as { socket: unknown }).socket,
        // The gateway's plugins expect a Fetch Request, as on HTTP.
        request: new gateway.fetchAPI.Request(`http://${req.headers.host}${req.url}`, {
          headers: Object.entries(req.headers).flatMap(([name, value]) =>
            typeof value === 'string' ? [[name, value] as [string, string]] : [],
          ),
        }),
      };
    }),
    wss,
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${gateway.graphqlEndpoint}`,
    wsUrl: `ws://127.0.0.1:${port}${gateway.graphqlEndpoint}`,
    fetches,
    async close() {
      await websocket.dispose();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await gateway.dispose();
    },
  };
}
