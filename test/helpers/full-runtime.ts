import { pino } from 'pino';
import {
  type ApplianceSimulator,
  type ApplianceSimulatorOptions,
  startApplianceSimulator,
} from '../../src/backends/appliance/simulator.ts';
import { type HssSimulator, startHssSimulator } from '../../src/backends/hss/simulator.ts';
import { type KorapSimulator, startKorapSimulator } from '../../src/backends/korap/simulator.ts';
import {
  type SdmSimulator,
  type SdmSimulatorOptions,
  startSdmSimulator,
} from '../../src/backends/sdm/simulator.ts';
import {
  startZstackSimulator,
  type ZstackSimulator,
  type ZstackSimulatorOptions,
} from '../../src/backends/zstack/simulator.ts';
import { type Config, loadConfig } from '../../src/config/index.ts';
import { createRuntime, type Runtime } from '../../src/runtime.ts';
import type { GraphQLResponse } from './runtime.ts';

export interface Simulators {
  readonly sdm: SdmSimulator;
  readonly zstack: ZstackSimulator;
  readonly hss: HssSimulator;
  readonly appliance: ApplianceSimulator;
  readonly korap: KorapSimulator;
}

export interface FullRuntime {
  readonly runtime: Runtime;
  readonly sims: Simulators;
  readonly config: Config;
  readonly logs: string[];
  gql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<GraphQLResponse<T>>;
  /** The raw HTTP response, for status checks. */
  post(query: string, variables?: Record<string, unknown>): Promise<Response>;
  /** Clears every simulator's request log (to count what one query costs). */
  clearLogs(): void;
  close(): Promise<void>;
}

/** Simulator options a test sets instead of the test-speed defaults. */
export interface SimulatorOverrides {
  readonly sdm?: SdmSimulatorOptions;
  readonly zstack?: ZstackSimulatorOptions;
  readonly appliance?: ApplianceSimulatorOptions;
}

/** All five simulators at test speed and a runtime wired to them, logs captured. */
export async function startFullRuntime(
  overrides: Partial<Config> = {},
  simulators: SimulatorOverrides = {},
): Promise<FullRuntime> {
  const [sdm, zstack, hss, appliance, korap] = await Promise.all([
    startSdmSimulator({ stepMs: 20, ...simulators.sdm }),
    startZstackSimulator({ stepMs: 0, pollsPerJob: 1, ...simulators.zstack }),
    startHssSimulator({ stepMs: 20 }),
    startApplianceSimulator({ installMs: 100, ...simulators.appliance }),
    startKorapSimulator(),
  ]);
  const sims: Simulators = { sdm, zstack, hss, appliance, korap };
  const config: Config = {
    ...loadConfig({ PLUGIN_GRAPH_DEMO: '1' }),
    demo: false,
    backends: {
      sdm: sdm.config(),
      zstack: zstack.config(),
      hss: hss.config(),
      appliance: appliance.config(),
      korap: korap.config(),
    },
    backendTimeoutMs: 1_000,
    taskPollIntervalMs: 20,
    taskGraceMs: 1_000,
    // Tests inject several failures in a row on purpose; a short cool-down keeps them independent.
    breaker: { failureThreshold: 10, coolDownMs: 100 },
    // Memory unless a test asks for a data dir: no ./data written by the suite.
    dataDir: undefined,
    ...overrides,
  };
  const logs: string[] = [];
  const runtime = createRuntime(
    config,
    pino({ level: 'debug' }, { write: (line: string) => logs.push(line) }),
  );
  const post = async (query: string, variables?: Record<string, unknown>): Promise<Response> =>
    runtime.app.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query, variables }),
    });
  return {
    runtime,
    sims,
    config,
    logs,
    post,
    gql: async (query, variables) => (await (await post(query, variables)).json()) as never,
    clearLogs: () => {
      for (const sim of Object.values(sims)) sim.server.clearLog();
    },
    async close() {
      await runtime.close();
      await Promise.all(Object.values(sims).map((s) => s.close()));
    },
  };
}

export const globalId = (type: string, objectId: string) =>
  Buffer.from(`${type}:${objectId}`).toString('base64');
