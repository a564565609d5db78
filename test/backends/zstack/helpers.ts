import type { ClientOptions } from '../../../src/backends/catalog.ts';
import { ZstackClient } from '../../../src/backends/zstack/client.ts';
import {
  startZstackSimulator,
  type ZstackSimulator,
  type ZstackSimulatorOptions,
} from '../../../src/backends/zstack/simulator.ts';
import type { Started, TaskObservation } from '../../../src/tasks/types.ts';

export interface Rig {
  readonly sim: ZstackSimulator;
  readonly client: ZstackClient;
  close(): Promise<void>;
}

/** A simulator (instant jobs unless told) and a client pointed at it. */
export async function rig(
  options: ZstackSimulatorOptions = {},
  timeoutMs = 2_000,
  clientOptions: Omit<ClientOptions, 'timeoutMs'> = {},
): Promise<Rig> {
  const sim = await startZstackSimulator({ pollsPerJob: 0, ...options });
  const client = new ZstackClient(sim.config(), { ...clientOptions, timeoutMs });
  return {
    sim,
    client,
    close: async () => {
      await client.close();
      await sim.close();
    },
  };
}

/** Polls a started job through the client's own poller until it ends (bounded). */
export async function pollToEnd(
  client: ZstackClient,
  started: Started,
  maxPolls = 20,
): Promise<TaskObservation[]> {
  const poll = client.pollers()['zstack.job']!;
  const seen: TaskObservation[] = [];
  for (let i = 0; i < maxPolls; i++) {
    const observation = await poll(started.poll!.params);
    seen.push(observation);
    if (observation.status === 'SUCCESS' || observation.status === 'ERROR') return seen;
  }
  throw new Error(`job did not end within ${maxPolls} polls`);
}

export const PROMETHEUS = 'e90949fe5ddd3e68a4646b97b812f905';
export const CEPH = '2b4d6f8a0c1e3a5c7e9b1d3f5a7c9e0b';

/** The session id of the last request the simulator received (from `Authorization: OAuth …`). */
export function lastSession(sim: ZstackSimulator): string {
  const auth = sim.server.requests.at(-1)?.headers.authorization;
  if (typeof auth !== 'string' || !auth.startsWith('OAuth ')) throw new Error('no session sent');
  return auth.slice('OAuth '.length);
}
