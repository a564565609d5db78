import { pino } from 'pino';
import {
  type ApplianceSimulator,
  type ApplianceSimulatorOptions,
  startApplianceSimulator,
} from '../../src/backends/appliance/simulator.ts';
import { type Config, loadConfig } from '../../src/config/index.ts';
import { createRuntime, type Runtime, type RuntimeHooks } from '../../src/runtime.ts';

export interface GraphQLResponse<T = Record<string, unknown>> {
  data?: T;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

export interface TestRuntime {
  readonly runtime: Runtime;
  readonly appliance: ApplianceSimulator;
  readonly logs: string[];
  /** POST a document to /graphql in-process (yoga.fetch), no socket. */
  gql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<GraphQLResponse<T>>;
  close(): Promise<void>;
}

export interface TestRuntimeOptions {
  readonly appliance?: ApplianceSimulatorOptions;
  readonly config?: Partial<Config>;
  readonly hooks?: RuntimeHooks;
}

/** A full runtime (backends, tracker, app) against loopback simulators, with logs captured. */
export async function startTestRuntime(options: TestRuntimeOptions = {}): Promise<TestRuntime> {
  const appliance = await startApplianceSimulator({ installMs: 100, ...options.appliance });
  const base = loadConfig({
    PLUGIN_GRAPH_AUTH: 'none',
    APPLIANCE_URL: appliance.url,
    APPLIANCE_USERNAME: 'x',
    APPLIANCE_PASSWORD: 'x',
  });
  const config: Config = {
    ...base,
    backends: { appliance: appliance.config() },
    backendTimeoutMs: 1_000,
    taskPollIntervalMs: 20,
    taskGraceMs: 1_000,
    // Breakers at test speed: a cool-down shorter than the task grace period, as in production.
    breaker: { failureThreshold: 5, coolDownMs: 100 },
    // Memory unless a test asks for a data dir: no ./data written by the suite.
    dataDir: undefined,
    ...options.config,
  };
  const logs: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => logs.push(line) });
  const runtime = createRuntime(config, logger, options.hooks);
  return {
    runtime,
    appliance,
    logs,
    async gql(query, variables) {
      const res = await runtime.app.fetch('http://localhost/graphql', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json',
        },
        body: JSON.stringify({ query, variables }),
      });
      return (await res.json()) as GraphQLResponse<never>;
    },
    async close() {
      await runtime.close();
      await appliance.close();
    },
  };
}
