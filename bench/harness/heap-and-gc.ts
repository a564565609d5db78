import type { Proc } from './processes.ts';

/** Live heap of a plugin-graph process after a full GC (bench/heap-probe.ts answers `heap`). */
export async function heapOf(proc: Proc): Promise<NodeJS.MemoryUsage> {
  const reply = new Promise<NodeJS.MemoryUsage>((resolve) => {
    const onMessage = (m: unknown) => {
      if (m && typeof m === 'object' && 'heap' in m) {
        proc.child.off('message', onMessage);
        resolve((m as { heap: NodeJS.MemoryUsage }).heap);
      }
    };
    proc.child.on('message', onMessage);
  });
  proc.child.send('heap');
  return reply;
}

export interface GcPauses {
  readonly minor: number[];
  readonly major: number[];
}

/** Garbage collections in a plugin-graph process while `work` runs (bench/heap-probe.ts). */
export async function gcDuring<T>(proc: Proc, work: () => Promise<T>): Promise<[T, GcPauses]> {
  proc.child.send('gc-reset');
  const result = await work();
  const reply = new Promise<GcPauses>((resolve) => {
    const onMessage = (m: unknown) => {
      if (m && typeof m === 'object' && 'gc' in m) {
        proc.child.off('message', onMessage);
        resolve((m as { gc: GcPauses }).gc);
      }
    };
    proc.child.on('message', onMessage);
  });
  proc.child.send('gc-stats');
  return [result, await reply];
}

export function describeGc(gc: GcPauses, requests: number): string {
  const minor = [...gc.minor].sort((a, b) => a - b);
  const median = minor[Math.floor(minor.length / 2)] ?? 0;
  const max = minor[minor.length - 1] ?? 0;
  return `${minor.length} scavenges (one per ${Math.round(requests / Math.max(1, minor.length))} requests; pause median ${median.toFixed(2)} ms, max ${max.toFixed(2)} ms), ${gc.major.length} full GCs`;
}

/** Sends `message` to the probe and resolves with the reply that carries `key`. */
function ask<T>(proc: Proc, message: string, key: string): Promise<T> {
  const reply = new Promise<T>((resolve) => {
    const onMessage = (m: unknown) => {
      if (m && typeof m === 'object' && key in m) {
        proc.child.off('message', onMessage);
        resolve((m as Record<string, T>)[key] as T);
      }
    };
    proc.child.on('message', onMessage);
  });
  proc.child.send(message);
  return reply;
}

/** Highest heapUsed (bytes, sampled every ms after a GC) in a plugin-graph process while `work` runs. */
export async function heapPeakDuring<T>(proc: Proc, work: () => Promise<T>): Promise<[T, number]> {
  await ask<boolean>(proc, 'peak-start', 'peakStarted');
  const result = await work();
  return [result, await ask<number>(proc, 'peak-stop', 'peak')];
}

/** process.cpuUsage() of a plugin-graph process (user + system microseconds). */
export async function cpuOf(proc: Proc): Promise<number> {
  const cpu = await ask<NodeJS.CpuUsage>(proc, 'cpu', 'cpu');
  return cpu.user + cpu.system;
}
