import { startApplianceSimulator } from './backends/appliance/simulator.ts';
import type { BackendConfigs } from './config.ts';

export interface DemoSimulators {
  /** Config sections pointing at the simulators. */
  readonly backends: BackendConfigs;
  /** Simulator base URLs by backend, for the start-up log. */
  readonly urls: Readonly<Record<string, string>>;
  /** Environment variables (SPEC §2 names) that point a server at these simulators. */
  environment(): Record<string, string>;
  close(): Promise<void>;
}

/**
 * Demo mode (SPEC §1): every vendor simulator in-process on loopback with fixture data, at a
 * pace a person can watch in GraphiQL.
 */
export async function startDemoSimulators(): Promise<DemoSimulators> {
  const appliance = await startApplianceSimulator({ installMs: 8_000, retrieveMs: 300 });
  const sims = [appliance];
  return {
    backends: { appliance: appliance.config() },
    urls: { appliance: appliance.url },
    environment: () => {
      const a = appliance.config();
      return {
        APPLIANCE_URL: a.url,
        APPLIANCE_USERNAME: a.username,
        APPLIANCE_PASSWORD: a.password,
        APPLIANCE_TASK_PATH: a.taskPath,
      };
    },
    close: async () => {
      await Promise.all(sims.map((s) => s.close()));
    },
  };
}
