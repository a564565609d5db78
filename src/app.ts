import { NoSchemaIntrospectionCustomRule } from 'graphql';
import { createYoga, type Plugin as YogaPlugin, type YogaServerInstance } from 'graphql-yoga';
import type { Logger } from 'pino';
import { type Backends, configuredClients } from './backends/registry.ts';
import type { Config } from './config.ts';
import type { Context } from './context.ts';
import { GRAPHIQL_EXAMPLES } from './graphiql-examples.ts';
import type { HealthMonitor } from './health.ts';
import { maskError } from './mask-error.ts';
import { buildSchema } from './schema/index.ts';
import { usePartialErrors } from './schema/partial-errors.ts';
import type { TaskTracker } from './tasks/tracker.ts';

export interface AppDeps {
  readonly config: Pick<Config, 'corsOrigins' | 'introspection'>;
  readonly backends: Backends;
  readonly tracker: TaskTracker;
  readonly health: HealthMonitor;
  readonly logger: Logger;
}

export type App = YogaServerInstance<Record<string, unknown>, Context>;

/** Builds the Yoga app; no environment reads, no listening (STYLE: app separate from listener). */
export function createApp(deps: AppDeps): App {
  const plugins: YogaPlugin[] = [useOperationalRoutes(deps), usePartialErrors()];
  if (!deps.config.introspection) plugins.push(useNoIntrospection());
  return createYoga<Record<string, unknown>, Context>({
    schema: buildSchema(),
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: { title: 'plugin-graph', defaultQuery: GRAPHIQL_EXAMPLES },
    maskedErrors: { maskError },
    cors:
      deps.config.corsOrigins.length > 0
        ? { origin: [...deps.config.corsOrigins], credentials: true }
        : false,
    logging: {
      debug: (...args) => deps.logger.debug({ yoga: args.map(String) }, 'yoga'),
      info: (...args) => deps.logger.info({ yoga: args.map(String) }, 'yoga'),
      warn: (...args) => deps.logger.warn({ yoga: args.map(String) }, 'yoga'),
      error: (...args) => deps.logger.error({ yoga: args.map(String) }, 'yoga'),
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
        const checks = await Promise.all(
          configuredClients(deps.backends).map(([name]) => deps.health.check(name)),
        );
        const failing = checks
          .filter((c) => !c.reachable)
          .map((c) => ({ backend: c.backend, code: c.errorCode }));
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
