import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApplianceSimulator } from '../../src/backends/appliance/simulator.ts';
import { startHssSimulator } from '../../src/backends/hss/simulator.ts';
import { startKorapSimulator } from '../../src/backends/korap/simulator.ts';
import { startSdmSimulator } from '../../src/backends/sdm/simulator.ts';
import type { SimulatorServer } from '../../src/backends/simulator/server.ts';
import { startZstackSimulator } from '../../src/backends/zstack/simulator.ts';
import { environmentFor } from '../../src/demo/fleet.ts';
import { type RedisServer, startRedis } from '../../test/redis/redis-server.ts';
import { WITH_REDIS } from './settings.ts';

/** What the server under soak talks to: the five simulators and, where wanted, a redis-server. */

export type Simulators = Awaited<ReturnType<typeof startSimulators>>;
export type FaultableSimulators = Record<
  string,
  { server: SimulatorServer; close(): Promise<void> }
>;

export async function startSimulators() {
  const [sdm, zstack, hss, appliance, korap] = await Promise.all([
    startSdmSimulator({ stepMs: 50 }),
    startZstackSimulator({ stepMs: 50, pollsPerJob: 1 }),
    startHssSimulator({ stepMs: 50 }),
    startApplianceSimulator({ installMs: 300, retrieveMs: 20 }),
    startKorapSimulator(),
  ]);
  const all: FaultableSimulators = { sdm, zstack, hss, appliance, korap };
  return {
    sdm,
    zstack,
    hss,
    appliance,
    korap,
    all,
    /** The server's backend variables pointing at them. */
    environment: environmentFor({
      sdm: sdm.config(),
      zstack: zstack.config(),
      hss: hss.config(),
      appliance: appliance.config(),
      korap: korap.config(),
    }),
    close: () => Promise.all(Object.values(all).map((s) => s.close())),
  };
}

export interface SoakRedis {
  readonly server: RedisServer;
  /** Stops it and removes its data. */
  close(): Promise<void>;
}

/** A persisted redis-server, unless SOAK_REDIS=0 or none is installed. */
export async function startSoakRedis(): Promise<SoakRedis | undefined> {
  if (!WITH_REDIS) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'plugin-graph-soak-'));
  // Persisted, so that a restart keeps the tasks: an outage, not a data loss.
  const server = await startRedis({ dir });
  return {
    server,
    close: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
