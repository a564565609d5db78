import { NoSchemaIntrospectionCustomRule } from 'graphql';
import { createYoga, type Plugin as YogaPlugin, type YogaServerInstance } from 'graphql-yoga';
import type { Logger } from 'pino';
import { auditForbidden } from './audit/forbidden.ts';
import { MemoryAuditStore } from './audit/memory-store.ts';
import { AuditTrail } from './audit/trail.ts';
import { type Authenticate, type CallerKey, callerOf, useAuth } from './auth/auth.ts';
import { type AccessPolicy, operatesAny } from './auth/policy.ts';
import type { EndpointRegistry } from './backends/registry.ts';
import type { Config } from './config/index.ts';
import { LIMITS, useLimits } from './guards/limits.ts';
import { useTrustedOnly } from './guards/trusted-documents.ts';
import { type ApqStore, MemoryApqStore } from './http/apq-store.ts';
import { corsPolicy } from './http/cors.ts';
import { useCsrfPrevention } from './http/csrf.ts';
import { useOfflineGraphiQL } from './http/graphiql.ts';
import { useOperationSafeJit } from './http/jit.ts';
import { LiveSubscriptions, useLiveSubscriptions } from './http/live-subscriptions.ts';
import { useMultipartSubscriptions } from './http/multipart.ts';
import { usePersistedDocuments } from './http/persisted-documents.ts';
import { useRequestBodyLimit } from './http/request-body-limit.ts';
import { useLeanSse } from './http/sse.ts';
import { useSingleConnectionSse } from './http/sse-single-connection.ts';
import { DEFAULT_INVENTORY_OPTIONS, InventoryStore } from './inventory/store.ts';
import type { HealthMonitor } from './ops/health.ts';
import { useHealthRoutes } from './ops/health-routes.ts';
import { yogaLogger } from './ops/logger.ts';
import { maskError } from './ops/mask-error.ts';
import { Metrics } from './ops/metrics.ts';
import { useObservability } from './ops/observability.ts';
import type { Context } from './resolvers/context.ts';
import { launchUnit } from './resolvers/rollout-unit.ts';
import { RolloutRunner } from './rollouts/runner.ts';
import { MemoryRolloutStore } from './rollouts/store.ts';
import { GRAPHIQL_EXAMPLES } from './schema/examples.ts';
import { buildSchema } from './schema/index.ts';
import { usePartialErrors } from './schema/partial-errors.ts';
import { useSnapshotResponseCache } from './schema/response-cache.ts';
import type { ReadinessStore } from './store/readiness.ts';
import type { TaskTracker } from './tasks/tracker.ts';

export interface AppDeps {
  readonly config: Pick<
    Config,
    | 'corsOrigins'
    | 'demo'
    | 'graphiql'
    | 'introspection'
    | 'inventory'
    | 'jit'
    | 'subscriptionLimits'
    | 'trustedDocuments'
    | 'trustedOnly'
  >;
  readonly endpoints: EndpointRegistry;
  readonly tracker: TaskTracker;
  /** Inventory snapshots (src/inventory/); default: in memory, at the default periods. */
  readonly inventory?: InventoryStore;
  readonly health: HealthMonitor;
  readonly logger: Logger;
  /** Inbound auth (auth/auth.ts): the caller's role from an Authorization header. */
  readonly authenticate: Authenticate;
  /**
   * Whose bucket a subscription counts in for MAX_SUBSCRIPTIONS_PER_CALLER, and a graphql-sse
   * reservation for its per-caller share (auth/auth.ts).
   */
  readonly callerKey: CallerKey;
  /** Aborted when the drain starts: open subscriptions end with SHUTTING_DOWN. */
  readonly shutdown: AbortSignal;
  /** Prometheus series for /metrics (ops/metrics.ts); default: a fresh set reading `tracker`. */
  readonly metrics?: Metrics;
  /** The audit trail (SPEC §11); default: a fresh one in memory. */
  readonly audit?: AuditTrail;
  /** The task store (SQLite or Redis): not ready while it cannot do its job (SPEC §3). */
  readonly store?: ReadinessStore;
  /** Automatic persisted queries' documents (http/apq-store.ts); default: this instance's memory. */
  readonly apqStore?: ApqStore;
  /** Rollouts (SPEC §13), started here; default: in memory, at most 10000 units. */
  readonly rollouts?: RolloutRunner;
  /** Scoped access (SPEC §14, auth/policy.ts); undefined: every role on every endpoint. */
  readonly policy?: AccessPolicy | undefined;
}

export type App = YogaServerInstance<Record<string, unknown>, Context>;

/** Builds the Yoga app; no environment reads, no listening (STYLE: app separate from listener). */
export function createApp(deps: AppDeps): App {
  const metrics = deps.metrics ?? new Metrics({ tasks: () => deps.tracker.counts() });
  const inventory = deps.inventory ?? new InventoryStore(DEFAULT_INVENTORY_OPTIONS);
  // Demo mode: any http://localhost:* or http://127.0.0.1:* origin; else CORS_ORIGINS (cors.ts).
  const cors = corsPolicy(deps.config);
  const audit =
    deps.audit ??
    new AuditTrail({
      store: new MemoryAuditStore(Number.POSITIVE_INFINITY),
      logger: deps.logger,
      secrets: [],
      retentionDays: 90,
    });
  const rollouts =
    deps.rollouts ??
    new RolloutRunner({
      store: new MemoryRolloutStore(),
      tracker: deps.tracker,
      maxUnits: 10_000,
    });
  // What a rollout's unit runs with, outside any request: a new object per unit (launchUnit).
  const service = (): Context => ({
    endpoints: deps.endpoints,
    tracker: deps.tracker,
    inventory,
    health: deps.health,
    logger: deps.logger,
    audit,
    rollouts,
    policy: deps.policy,
  });
  rollouts
    .start((header, unit) => launchUnit(service(), header, unit))
    .catch((err: unknown) => deps.logger.error({ err }, 'rollouts could not be resumed'));
  const endpointNames = deps.endpoints.all.map((e) => e.name);
  const plugins: YogaPlugin[] = [
    ...cors.plugins,
    useHealthRoutes(deps.health, deps.store, deps.shutdown),
    // Where Yoga's own GraphiQL ran (before any plugin of ours), compressed and revalidated
    // (http/graphiql.ts). POST: every GraphiQL operation, subscriptions included, goes as a JSON
    // POST (SSE for subscriptions), the path the browser test follows.
    ...(deps.config.graphiql
      ? [
          useOfflineGraphiQL({
            title: 'plugin-graph',
            defaultQuery: GRAPHIQL_EXAMPLES,
            method: 'POST',
          }),
        ]
      : []),
    useObservability(metrics, deps.logger),
    usePartialErrors(),
  ];
  if (!deps.config.introspection) plugins.push(useNoIntrospection());
  // PLUGIN_GRAPH_TRUSTED_ONLY: any text but the manifest's is refused, on every transport.
  if (deps.config.trustedOnly && deps.config.trustedDocuments)
    plugins.push(useTrustedOnly(deps.config.trustedDocuments));
  plugins.push(
    ...useLimits({ introspection: deps.config.introspection }),
    // A form or text POST needs a header the browser preflights (http/csrf.ts).
    useCsrfPrevention(),
    useAuth(
      deps.authenticate,
      (refused) => auditForbidden(audit, refused),
      // Scoped access: an operator grant on any endpoint lets a mutation reach its resolver,
      // where runMutation checks the endpoint it names.
      (context) => operatesAny(context, endpointNames),
    ),
    // A documentId or hash becomes the document's text (http/persisted-documents.ts); after
    // useAuth: an unauthenticated caller neither looks documents up nor registers one.
    ...usePersistedDocuments({
      trusted: deps.config.trustedDocuments,
      trustedOnly: deps.config.trustedOnly,
      store: deps.apqStore ?? new MemoryApqStore(),
      onStoreError: (err) =>
        deps.logger.warn({ err }, 'persisted query store failed; the request goes on without it'),
    }),
    // Open-subscription gauge, event error counts, SHUTTING_DOWN on drain, caps per caller and
    // in all (SUBSCRIPTION_LIMIT): one wrapper per stream. After useAuth: only callers it let in
    // are counted.
    useLiveSubscriptions(
      new LiveSubscriptions(
        deps.shutdown,
        metrics,
        { ...deps.config.subscriptionLimits, callerOf: deps.callerKey },
        // A JWT caller's subscriptions end with UNAUTHENTICATED when the token does.
        (context) => callerOf(context)?.expiresAt,
      ),
    ),
    useRequestBodyLimit(LIMITS.maxRequestBodyBytes),
    // Single-operation documents run as compiled JavaScript (graphql-jit), cached per document:
    // GraphQL execution, not the backend, is the cost of a read (bench/RESULTS.md). Documents
    // with several operations run through graphql-js, which honours operationName (http/jit.ts).
    ...(deps.config.jit ? [useOperationSafeJit()] : []),
    // After jit, so that a miss runs the compiled code: reads built only from the inventory
    // snapshots are answered again without executing until a snapshot changes.
    useSnapshotResponseCache(buildSchema(), inventory, deps.config.inventory.maxStaleMs),
    useMultipartSubscriptions(),
    // SSE subscription bodies that the Node listener writes to the socket (http/sse.ts).
    useLeanSse(),
    // graphql-sse's single connection mode: PUT reserves a stream, operations POST onto it.
    useSingleConnectionSse({
      authenticate: deps.authenticate,
      // Reservations count per caller, as subscriptions do.
      callerKey: deps.callerKey,
      shutdown: deps.shutdown,
      dispatch: (url, init) => app.fetch(url, init),
    }),
  );
  const app: App = createYoga<Record<string, unknown>, Context>({
    schema: buildSchema(),
    graphqlEndpoint: '/graphql',
    landingPage: false,
    // Served by useOfflineGraphiQL above, or not at all (PLUGIN_GRAPH_GRAPHIQL=false).
    graphiql: false,
    maskedErrors: { maskError },
    // Enforced by useRequestBodyLimit (http/request-body-limit.ts): Yoga's own limiter streams
    // every body through a transform and costs a quarter of the throughput on small reads.
    maxRequestBodySize: false,
    cors: cors.cors,
    logging: yogaLogger(deps.logger),
    plugins,
    context: service,
  });
  return app;
}

function useNoIntrospection(): YogaPlugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(NoSchemaIntrospectionCustomRule);
    },
  };
}
