import type { ExecutionResult } from 'graphql';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { BreakerState } from '../backends/breaker.ts';
import type { BackendCallInfo } from '../backends/http.ts';
import type { BackendName } from '../domain/backend.ts';
import type { RolloutMetrics } from '../rollouts/runner.ts';
import type { TaskCount } from '../tasks/task-index.ts';
import { TASK_STATUSES } from '../tasks/types.ts';
import {
  ANONYMOUS_OPERATION,
  errorCodeLabel,
  INVALID_OPERATION,
  operationNameLabel,
  UNAUTHENTICATED_OPERATION,
} from './bounded.ts';
import { registerRolloutGauges } from './rollout-metrics.ts';

/**
 * Operability (SPEC §3 `/metrics`, issue 8): the Prometheus series. Each app has its own Registry
 * (tests build many apps in one process); the process series (memory, CPU, event loop) are
 * process-wide and live in one shared registry. Filled by the Yoga plugin (observability.ts),
 * the subscription wrapper (http/live-subscriptions.ts) and backend calls (runtime.ts).
 */

/** What the scrape reads at scrape time rather than counting as it happens. */
export interface MetricsSources {
  /** Breaker state of each endpoint: backend, state, and the endpoint's name (SPEC §10). */
  readonly breakers?: () => Iterable<readonly [BackendName, BreakerState, string?]>;
  /** Tracked tasks per endpoint and status (the store's counters; Redis in scaled-out mode). */
  readonly tasks?: () => Promise<readonly TaskCount[]>;
  /** Rollouts and their units per status (rollouts/runner.ts). */
  readonly rollouts?: () => Promise<RolloutMetrics>;
}

const BREAKER_STATES: readonly BreakerState[] = ['CLOSED', 'HALF_OPEN', 'OPEN'];

/** Distinct operation names kept as label values; later ones count as `other` (cardinality). */
const MAX_OPERATION_NAMES = 200;

/** Label values of no caller's choosing: always kept, never counted against the cap. */
const FIXED_OPERATION_LABELS = new Set([
  ANONYMOUS_OPERATION,
  INVALID_OPERATION,
  UNAUTHENTICATED_OPERATION,
  'other',
]);

const SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The `endpoint` label (SPEC §10), set for an endpoint not named after its backend only: the
 * series of an environment-configured endpoint stay exactly as they were before fleets.
 */
function endpointLabel(backend: string, endpoint: string | undefined): { endpoint?: string } {
  return endpoint === undefined || endpoint === backend ? {} : { endpoint };
}

export class Metrics {
  readonly registry = new Registry();
  private readonly operationNames = new Set<string>();
  private readonly requests = new Counter({
    name: 'plugin_graph_graphql_requests_total',
    help: 'GraphQL operations received, by operation name and type',
    labelNames: ['operation', 'type'] as const,
    registers: [this.registry],
  });
  private readonly errors = new Counter({
    name: 'plugin_graph_graphql_errors_total',
    help: 'GraphQL errors returned, by extensions.code and operation name',
    labelNames: ['operation', 'code'] as const,
    registers: [this.registry],
  });
  private readonly requestSeconds = new Histogram({
    name: 'plugin_graph_graphql_request_duration_seconds',
    help: 'Time from receiving a GraphQL request to its response (subscriptions: to the stream start)',
    labelNames: ['operation', 'type'] as const,
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });
  private readonly backendCalls = new Counter({
    name: 'plugin_graph_backend_calls_total',
    help: 'Backend HTTP attempts, by backend, endpoint, vendor operation and outcome',
    labelNames: ['backend', 'endpoint', 'operation', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly backendSeconds = new Histogram({
    name: 'plugin_graph_backend_call_duration_seconds',
    help: 'Backend HTTP attempt latency, by backend, endpoint, vendor operation and outcome',
    labelNames: ['backend', 'endpoint', 'operation', 'outcome'] as const,
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });
  private readonly openSubscriptions = new Gauge({
    name: 'plugin_graph_subscriptions_open',
    help: 'GraphQL subscriptions currently open (SSE, multipart and WebSocket)',
    registers: [this.registry],
  });

  constructor(sources: MetricsSources = {}) {
    const { breakers, tasks, rollouts } = sources;
    if (rollouts) registerRolloutGauges(this.registry, rollouts);
    new Gauge({
      name: 'plugin_graph_backend_breaker_state',
      help: 'Circuit breaker of each endpoint: 1 for its current state, 0 for the others',
      labelNames: ['backend', 'endpoint', 'state'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [backend, current, endpoint] of breakers?.() ?? []) {
          for (const state of BREAKER_STATES)
            this.set(
              { backend, ...endpointLabel(backend, endpoint), state },
              state === current ? 1 : 0,
            );
        }
      },
    });
    new Gauge({
      name: 'plugin_graph_tasks',
      help: 'Tracked tasks held in the task store, by backend, endpoint and status',
      labelNames: ['backend', 'endpoint', 'status'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        if (!tasks) return;
        // The shared store down (Redis): the scrape still answers with every other series,
        // which say most about the outage; this gauge is left out until the store answers.
        const read = await tasks().catch(() => undefined);
        if (!read) return;
        // Per endpoint (backend and endpoint name), then per status.
        const counts = new Map<string, Map<string, number>>();
        for (const count of read) {
          const where = `${count.backend}\n${count.endpoint}`;
          const byStatus = counts.get(where) ?? new Map<string, number>();
          counts.set(where, byStatus);
          byStatus.set(count.status, (byStatus.get(count.status) ?? 0) + count.count);
        }
        for (const [where, byStatus] of counts) {
          const [backend = '', endpoint] = where.split('\n');
          const labels = { backend, ...endpointLabel(backend, endpoint) };
          // Every status appears (at 0) once an endpoint has tasks, so rates and alerts see it.
          for (const status of TASK_STATUSES)
            this.set({ ...labels, status }, byStatus.get(status) ?? 0);
        }
      },
    });
  }

  /** One backend HTTP attempt (the `onCall` hook of src/backends/http.ts). */
  backendCall(call: BackendCallInfo): void {
    const labels = {
      backend: call.backend,
      ...endpointLabel(call.backend, call.endpoint),
      operation: call.operation,
      outcome: outcomeOf(call),
    };
    this.backendCalls.inc(labels);
    this.backendSeconds.observe(labels, call.durationMs / 1000);
  }

  /** A GraphQL operation was answered (one per operation; a batch counts each). */
  operation(name: string, type: string, seconds: number, errorCodes: readonly string[]): void {
    const operation = this.operationLabel(name);
    this.requests.inc({ operation, type });
    if (type !== 'subscription') this.requestSeconds.observe({ operation, type }, seconds);
    for (const code of errorCodes) this.errors.inc({ operation, code });
  }

  /** A subscription event after the stream started: its errors are counted. */
  subscriptionResult(name: string, result: ExecutionResult): void {
    const codes = errorCodes(result);
    if (codes.length === 0) return;
    const operation = this.operationLabel(name);
    for (const code of codes) this.errors.inc({ operation, code });
  }

  subscriptionOpened(): void {
    this.openSubscriptions.inc();
  }

  subscriptionClosed(): void {
    this.openSubscriptions.dec();
  }

  /** The Prometheus text exposition of this app's series and the process's. */
  async render(): Promise<string> {
    const [own, process] = await Promise.all([
      this.registry.metrics(),
      processRegistry().metrics(),
    ]);
    return `${own}\n${process}`;
  }

  /** `name` bounded (bounded.ts), then within the cap of distinct names. */
  private operationLabel(given: string): string {
    const name = FIXED_OPERATION_LABELS.has(given) ? given : operationNameLabel(given);
    if (FIXED_OPERATION_LABELS.has(name) || this.operationNames.has(name)) return name;
    if (this.operationNames.size >= MAX_OPERATION_NAMES) return 'other';
    this.operationNames.add(name);
    return name;
  }
}

/** `ok` (2xx/3xx), `client_error` (4xx), `server_error` (5xx), or why no answer came. */
function outcomeOf(call: BackendCallInfo): string {
  if (call.status !== undefined) {
    if (call.status >= 500) return 'server_error';
    if (call.status >= 400) return 'client_error';
    return 'ok';
  }
  switch (call.errorCode) {
    case 'BACKEND_TIMEOUT':
      return 'timeout';
    case 'BACKEND_CIRCUIT_OPEN':
      return 'circuit_open';
    default:
      return 'unavailable';
  }
}

let shared: Registry | undefined;
/** Process-wide series (prom-client defaults), registered once per process. */
function processRegistry(): Registry {
  if (!shared) {
    shared = new Registry();
    collectDefaultMetrics({ register: shared });
  }
  return shared;
}

/** The `extensions.code` of each error of a result (`UNCODED` for an error without one). */
export function errorCodes(result: unknown): string[] {
  const errors = (result as ExecutionResult | undefined)?.errors;
  if (!errors?.length) return [];
  // Bounded: a code becomes a label and a log field.
  return errors.map((e) => errorCodeLabel(e.extensions?.code));
}
