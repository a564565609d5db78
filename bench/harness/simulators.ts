import { once } from 'node:events';
import type { SimInfo, SimName, SimQuery } from '../sim.ts';
import { start } from './processes.ts';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** The HSS and appliance simulators in their own process (bench/sim.ts), asked over IPC. */
export interface Sims {
  readonly info: SimInfo;
  /** The simulators' process. */
  readonly pid: number | undefined;
  count(sim: SimName, path?: RegExp): Promise<number>;
  /** Lists asked of `sim` on `path`, each counted once whatever its pages (bench/sim.ts). */
  reads(sim: SimName, path: RegExp, where?: Readonly<Record<string, string>>): Promise<number>;
  clear(): Promise<void>;
  stop(): Promise<void>;
}

/** `env`: SIMULATOR_SCALE and BENCH_SIM_STEP_MS for the simulators (bench/sim.ts). */
export async function startSims(env: Record<string, string> = {}): Promise<Sims> {
  let info: SimInfo | undefined;
  const proc = await start('bench/sim.ts', env, (_out, messages) => {
    for (const m of messages) {
      if (m && typeof m === 'object' && 'ready' in m) info = (m as { ready: SimInfo }).ready;
    }
    return info !== undefined;
  });
  let next = 0;
  const ask = (q: DistributiveOmit<SimQuery, 'id'>): Promise<number> => {
    const id = ++next;
    return new Promise((resolve) => {
      const onMessage = (m: unknown) => {
        const reply = m as { id?: number; value?: number };
        if (reply.id !== id) return;
        proc.child.off('message', onMessage);
        resolve(reply.value ?? 0);
      };
      proc.child.on('message', onMessage);
      proc.child.send({ ...q, id });
    });
  };
  return {
    info: info as SimInfo,
    pid: proc.child.pid,
    count: (sim, path) => ask({ op: 'count', sim, ...(path ? { path: path.source } : {}) }),
    reads: (sim, path, where) =>
      ask({ op: 'reads', sim, path: path.source, ...(where && { where }) }),
    clear: async () => {
      await ask({ op: 'clear' });
    },
    stop: async () => {
      proc.child.disconnect();
      await once(proc.child, 'exit');
    },
  };
}
