import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Config, ConfigError, loadConfig } from './config/index.ts';
import { type DemoSimulators, startDemoSimulators } from './demo/fleet.ts';
import { documentCheck } from './guards/trusted-documents.ts';
import { nodeListener } from './http/node-listener.ts';
import { attachWebSocket } from './http/websocket.ts';
import { urlSecrets } from './ops/log-secrets.ts';
import { createLogger, forLog } from './ops/logger.ts';
import { createRuntime, type Runtime } from './runtime.ts';
import { buildSchema } from './schema/index.ts';
import { DataDirError } from './store/sqlite.ts';

/** How long a SIGTERM drain waits for in-flight requests before closing them. */
const DRAIN_TIMEOUT_MS = 10_000;

async function main(): Promise<void> {
  let config: Config;
  try {
    // Each trusted document must validate against the schema (built only if there is one).
    config = loadConfig(process.env, { checkDocument: documentCheck(buildSchema) });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  // Every configured secret, and the Redis password (in REDIS_URL), is replaced in any line.
  const logger = createLogger(config.logLevel, undefined, {
    secrets: [...config.secrets, ...urlSecrets(config.redisUrl)],
  });

  let demo: DemoSimulators | undefined;
  if (config.demo) {
    demo = await startDemoSimulators(config.simulatorScale);
    config = { ...config, backends: demo.backends, endpoints: demo.endpoints };
    for (const [endpoint, url] of Object.entries(demo.urls))
      logger.info({ endpoint, url }, `demo simulator ${endpoint} on ${url}`);
  }

  let runtime: Runtime;
  try {
    runtime = createRuntime(config, logger);
  } catch (err) {
    if (!(err instanceof DataDirError)) throw err;
    // One line naming the path and the reason; the stack would say nothing more.
    logger.fatal({ dataDir: err.path }, err.message);
    logger.flush();
    await demo?.close();
    process.exit(1);
  }
  // Yoga for every request; SSE bodies go to the socket directly (http/node-listener.ts).
  const server = createServer(
    nodeListener(runtime.app, {
      onSendError: (err) => logger.error({ err: forLog(err) }, 'response failed'),
    }),
  );
  // graphql-transport-ws on the same /graphql; the token comes in the connection_init payload.
  const websocket = attachWebSocket(server, runtime.app, {
    authenticate: runtime.authenticate,
    ...config.websocket,
  });
  server.listen(config.port, config.host);
  await once(server, 'listening');
  const shown =
    config.host === '127.0.0.1' || config.host === '0.0.0.0' ? 'localhost' : config.host;
  // The bound port, not the configured one: PORT=0 (tests) lets the system choose a free one.
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://${shown}:${port}/graphql`;
  // test/helpers/server-process.ts reads the port from this line, in either form.
  logger.info(
    { demo: config.demo },
    config.graphiql
      ? `GraphiQL on ${endpoint}`
      : `GraphQL on ${endpoint} (GraphiQL off: PLUGIN_GRAPH_GRAPHIQL=false)`,
  );

  let draining = false;
  const drain = async (signal: string) => {
    if (draining) return;
    draining = true;
    logger.info({ signal }, 'draining: no new connections, finishing in-flight requests');
    // close() stops accepting and resolves once in-flight requests have ended.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    // Subscriptions end first (SHUTTING_DOWN); upgraded sockets are no longer the HTTP
    // server's, so they are closed here, or close() would never resolve.
    runtime.beginShutdown();
    const websocketClosed = websocket.close();
    const timer = setTimeout(() => server.closeAllConnections(), DRAIN_TIMEOUT_MS);
    await Promise.all([closed, websocketClosed]);
    clearTimeout(timer);
    await runtime.close();
    await demo?.close();
    logger.info('drained; exiting');
    logger.flush();
    process.exit(0);
  };
  process.on('SIGTERM', () => void drain('SIGTERM'));
  process.on('SIGINT', () => void drain('SIGINT'));
}

await main();
