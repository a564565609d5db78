import { useGraphQlJit } from '@envelop/graphql-jit';
import { NoSchemaIntrospectionCustomRule } from 'graphql';
import { createYoga, type Plugin as YogaPlugin, type YogaServerInstance } from 'graphql-yoga';
import type { Logger } from 'pino';
import { type Authenticate, useAuth } from './auth.ts';
import { BackendError } from './backends/errors.ts';
import { type Backends, configuredClients } from './backends/registry.ts';
import type { Config } from './config.ts';
import type { Context } from './context.ts';
import { renderOfflineGraphiQL } from './graphiql.ts';
import { GRAPHIQL_EXAMPLES } from './graphiql-examples.ts';
import type { HealthMonitor } from './health.ts';
import { LIMITS, useLimits } from './limits.ts';
import { forLog } from './logger.ts';
import { maskError } from './mask-error.ts';
import { Metrics, useObservability } from './metrics.ts';
import { useMultipartSubscriptions } from './multipart.ts';
import { useRequestBodyLimit } from './request-body-limit.ts';
import { buildSchema } from './schema/index.ts';
import { usePartialErrors } from './schema/partial-errors.ts';
import { LiveSubscriptions, useLiveSubscriptions } from './shutdown.ts';
import { useLeanSse } from './sse.ts';
import type { TaskTracker } from './tasks/tracker.ts';

export interface AppDeps {
  readonly config: Pick<Config, 'corsOrigins' | 'introspection'>;
  readonly backends: Backends;
  readonly tracker: TaskTracker;
  readonly health: HealthMonitor;
  readonly logger: Logger;
  /** Inbound auth (auth.ts): the caller's role from an Authorization header. */
  readonly authenticate: Authenticate;
  /** Aborted when the drain starts: open subscriptions end with SHUTTING_DOWN (shutdown.ts). */
  readonly shutdown: AbortSignal;
  /** Prometheus series for /metrics (metrics.ts); default: a fresh set reading `tracker`. */
  readonly metrics?: Metrics;
  /** A shared task store (Redis in scaled-out mode): not ready while it does not answer. */
  readonly store?: { readonly name: string; ready(): Promise<boolean> };
}

export type App = YogaServerInstance<Record<string, unknown>, Context>;

/** Builds the Yoga app; no environment reads, no listening (STYLE: app separate from listener). */
export function createApp(deps: AppDeps): App {
  const metrics = deps.metrics ?? new Metrics({ tasks: () => deps.tracker.list() });
  const plugins: YogaPlugin[] = [
    useOperationalRoutes(deps),
    useObservability(metrics, deps.logger),
    usePartialErrors(),
  ];
  if (!deps.config.introspection) plugins.push(useNoIntrospection());
  plugins.push(
    ...useLimits({ introspection: deps.config.introspection }),
    useAuth(deps.authenticate),
    // Open-subscription gauge, event error counts, SHUTTING_DOWN on drain: one wrapper per stream.
    useLiveSubscriptions(new LiveSubscriptions(deps.shutdown, metrics)),
    useRequestBodyLimit(LIMITS.maxRequestBodyBytes),
    // Queries, mutations and subscriptions run as compiled JavaScript (graphql-jit), cached per
    // document: GraphQL execution, not the backend, is the cost of a read (bench/RESULTS.md).
    useGraphQlJit() as YogaPlugin,
    useMultipartSubscriptions(),
    // SSE subscription bodies that src/server.ts writes to the socket directly (sse.ts).
    useLeanSse(),
  );
  return createYoga<Record<string, unknown>, Context>({
    schema: buildSchema(),
    graphqlEndpoint: '/graphql',
    landingPage: false,
    // POST: GraphiQL would send subscriptions as a GET without a JSON body, which CSRF
    // prevention (limits.ts) rightly refuses; a JSON POST is preflighted and passes.
    graphiql: { title: 'plugin-graph', defaultQuery: GRAPHIQL_EXAMPLES, method: 'POST' },
    renderGraphiQL: renderOfflineGraphiQL,
    maskedErrors: { maskError },
    // Enforced by useRequestBodyLimit (request-body-limit.ts): Yoga's own limiter streams
    // every body through a transform and costs a quarter of the throughput on small reads.
    maxRequestBodySize: false,
    cors:
      deps.config.corsOrigins.length > 0
        ? { origin: [...deps.config.corsOrigins], credentials: true }
        : false,
    logging: {
      // Yoga logs several debug lines per request: build them only when they are kept.
      debug: (...args) =>
        deps.logger.isLevelEnabled('debug') &&
        deps.logger.debug({ yoga: args.map(forLog) }, 'yoga'),
      info: (...args) => deps.logger.info({ yoga: args.map(forLog) }, 'yoga'),
      warn: (...args) => deps.logger.warn({ yoga: args.map(forLog) }, 'yoga'),
      // A backend failure on a field is expected and already logged once per vendor call (the
      // `backend call` line); Yoga would log it again for every field it reached: debug only.
      error: (...args) =>
        args.every(isBackendFailure)
          ? deps.logger.debug({ yoga: args.map(forLog) }, 'yoga')
          : deps.logger.error({ yoga: args.map(forLog) }, 'yoga'),
    },
    plugins,
    context: (): Context => ({
      backends: deps.backends,
      tracker: deps.tracker,
      health: deps.health,
      logger: deps.logger,
    }),
  });
}

/** `/healthz` (the process serves) and `/readyz` (every configured backend answers). */
function useOperationalRoutes(deps: AppDeps): YogaPlugin {
  return {
    async onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname === '/healthz') {
        endResponse(Response.json({ status: 'ok' }));
        return;
      }
      if (url.pathname === '/readyz') {
        const [checks, storeReady] = await Promise.all([
          Promise.all(configuredClients(deps.backends).map(([name]) => deps.health.check(name))),
          deps.store?.ready() ?? true,
        ]);
        // SPEC §3: ready when each backend answered its last check or its breaker is closed.
        const failing: Record<string, unknown>[] = checks
          .filter((c) => !c.reachable && c.breaker !== 'CLOSED')
          .map((c) => ({ backend: c.backend, code: c.errorCode, breaker: c.breaker }));
        // Without its task store an instance can neither launch, read nor follow tasks.
        if (!storeReady) failing.push({ store: deps.store?.name, code: 'STORE_UNAVAILABLE' });
        endResponse(
          new fetchAPI.Response(
            JSON.stringify({ status: failing.length ? 'unavailable' : 'ready', failing }),
            {
              status: failing.length ? 503 : 200,
              headers: { 'content-type': 'application/json' },
            },
          ),
        );
      }
    },
  };
}

function useNoIntrospection(): YogaPlugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(NoSchemaIntrospectionCustomRule);
    },
  };
}

function isBackendFailure(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { originalError?: unknown }).originalError instanceof BackendError
  );
}
