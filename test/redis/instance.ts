import { pino } from 'pino';
import type { ApplianceSimulator } from '../../src/backends/appliance/simulator.ts';
import { type Config, loadConfig } from '../../src/config/index.ts';
import { createRuntime, type Runtime, type RuntimeHooks } from '../../src/runtime.ts';
import type { GraphQLResponse } from '../helpers/runtime.ts';
import { type Listening, listen } from '../subscriptions/helpers.ts';

/** One plugin-graph instance (its own runtime, app and server) in scaled-out mode. */
export interface Instance {
  readonly runtime: Runtime;
  readonly http: Listening;
  gql<T>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>>;
  readyz(): Promise<{ status: number; body: { status: string; failing: unknown[] } }>;
  close(): Promise<void>;
}

/**
 * An instance on `redisUrl` in front of one appliance simulator; `extra` overrides config,
 * `hooks` observe its background work (poll rounds).
 */
export async function instance(
  redisUrl: string,
  appliance: ApplianceSimulator,
  extra: Partial<Config> = {},
  hooks: RuntimeHooks = {},
): Promise<Instance> {
  const base = loadConfig({
    PLUGIN_GRAPH_AUTH: 'none',
    APPLIANCE_URL: appliance.url,
    APPLIANCE_USERNAME: 'x',
    APPLIANCE_PASSWORD: 'x',
    REDIS_URL: redisUrl,
  });
  const config: Config = {
    ...base,
    backends: { appliance: appliance.config() },
    backendTimeoutMs: 1_000,
    taskPollIntervalMs: 25,
    taskGraceMs: 1_000,
    ...extra,
  };
  const runtime = createRuntime(config, pino({ level: 'silent' }), hooks);
  const http = await listen(runtime.app);
  return {
    runtime,
    http,
    async gql(query, variables) {
      const res = await runtime.app.fetch('http://localhost/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables }),
      });
      return (await res.json()) as GraphQLResponse<never>;
    },
    async readyz() {
      const res = await runtime.app.fetch('http://localhost/readyz');
      return { status: res.status, body: (await res.json()) as never };
    },
    async close() {
      await http.close();
      await runtime.close();
    },
  };
}
