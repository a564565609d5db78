import { readFileSync } from 'node:fs';

/**
 * What the kernel counts for a process (Linux /proc; undefined elsewhere): the CPU a measured
 * server spent, which its req/s alone does not tell apart from time spent waiting, and how often
 * the load generator went to sleep waiting for an answer (each a wake-up the sender pays for).
 */

/** Clock ticks per second of /proc/<pid>/stat times: 100 on every Linux build Node runs on. */
const TICKS_PER_S = 100;

/** User + system CPU of `pid` so far, in µs (10 ms resolution). */
export function cpuMicrosOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    // Fields after the command name: state is the 1st, utime the 12th, stime the 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1e6) / TICKS_PER_S : undefined;
  } catch {
    return undefined;
  }
}

/** Times this process blocked waiting (voluntary context switches) so far. */
export function ownWaits(): number | undefined {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const n = Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(status)?.[1]);
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}
