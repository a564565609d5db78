import { constants, type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';

/**
 * Preloaded into a server process by `npm run bench` (with --expose-gc): on an IPC `heap`
 * message, collects garbage and answers with process.memoryUsage(), so memory per subscriber is
 * measured on live objects only. On `{ snapshot: path }` it writes a V8 heap snapshot there (for
 * memory work: diff one with and one without subscribers). On `gc-reset` it starts counting
 * garbage collections, and `gc-stats` answers with what ran since (the pauses behind a p99 tail).
 * `peak-start` collects garbage, then samples heapUsed every millisecond until `peak-stop`, which
 * answers the highest sample: the heap one request needs at its peak (garbage it makes included). `cpu` answers process.cpuUsage().
 * Does nothing without IPC.
 */
const gc = (globalThis as { gc?: () => void }).gc;

/** Pause lengths (ms) of young-generation (scavenge) and full collections since `gc-reset`. */
const pauses = { minor: [] as number[], major: [] as number[] };
let counting = false;
const record = (entries: readonly PerformanceEntry[]) => {
  if (!counting) return;
  for (const entry of entries) {
    const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
    if (kind === constants.NODE_PERFORMANCE_GC_MINOR) pauses.minor.push(entry.duration);
    else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) pauses.major.push(entry.duration);
  }
};
const observer = new PerformanceObserver((list) => record(list.getEntries()));

let peak = 0;
let sampler: NodeJS.Timeout | undefined;
const sample = () => {
  peak = Math.max(peak, process.memoryUsage().heapUsed);
};

if (process.send) {
  process.on('message', (message: unknown) => {
    if (message === 'heap') {
      gc?.();
      gc?.();
      process.send?.({ heap: process.memoryUsage() });
    } else if (message === 'peak-start') {
      gc?.();
      peak = 0;
      sample();
      clearInterval(sampler);
      sampler = setInterval(sample, 1);
      process.send?.({ peakStarted: true });
    } else if (message === 'peak-stop') {
      sample();
      clearInterval(sampler);
      sampler = undefined;
      process.send?.({ peak });
    } else if (message === 'cpu') {
      process.send?.({ cpu: process.cpuUsage() });
    } else if (message === 'gc-reset') {
      pauses.minor.length = 0;
      pauses.major.length = 0;
      counting = true;
      observer.observe({ entryTypes: ['gc'] });
    } else if (message === 'gc-stats') {
      record(observer.takeRecords()); // entries not yet delivered to the callback
      counting = false;
      observer.disconnect();
      process.send?.({ gc: { minor: [...pauses.minor], major: [...pauses.major] } });
    } else if (typeof message === 'object' && message !== null && 'snapshot' in message) {
      gc?.();
      gc?.();
      const path = writeHeapSnapshot(String(message.snapshot));
      process.send?.({ snapshot: path });
    }
  });
  process.channel?.unref();
}
