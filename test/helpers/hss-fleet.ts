import { afterEach } from 'vitest';
import { type HssSimulator, startHssSimulator } from '../../src/backends/hss/simulator.ts';
import type { Config, EndpointConfig } from '../../src/config/index.ts';
import { startTestRuntime, type TestRuntime } from './runtime.ts';

/** An HSS endpoint as the endpoints file would give it, the `index`-th entry of the file. */
export function hssFileEndpoint(name: string, sim: HssSimulator, index: number): EndpointConfig {
  return {
    name,
    backend: 'hss',
    source: 'file',
    origin: `endpoints[${index}]`,
    settings: sim.config(),
  };
}

export interface HssFleet {
  readonly t: TestRuntime;
  readonly eu: HssSimulator;
  readonly us: HssSimulator;
}

/**
 * Two HSS regions (`hss-eu`, `hss-us`), each its own real simulator, in one runtime; a file that
 * calls this gets them closed after each of its tests.
 */
export function useHssFleet(config: Partial<Config> = {}): () => Promise<HssFleet> {
  let t: TestRuntime | undefined;
  const sims: HssSimulator[] = [];
  afterEach(async () => {
    await t?.close();
    t = undefined;
    await Promise.all(sims.splice(0).map((s) => s.close()));
  });
  return async () => {
    const eu = await startHssSimulator();
    const us = await startHssSimulator();
    sims.push(eu, us);
    const endpoints = [hssFileEndpoint('hss-eu', eu, 0), hssFileEndpoint('hss-us', us, 1)];
    const runtime = await startTestRuntime({ config: { ...config, endpoints } });
    t = runtime;
    return { t: runtime, eu, us };
  };
}
