import { readFileSync } from 'node:fs';
import { MAX_GROWTH_MB } from './settings.ts';
import { bump } from './tally.ts';

/**
 * Memory check: the server's live heap after each full (mark-compact) GC, read from `--trace-gc`
 * (RSS alone only shows how lazily V8 collects), may grow by at most SOAK_MAX_GROWTH_MB from the
 * end of the warm-up to the end. RSS is sampled too, for the report only.
 */

export interface LiveHeapSample {
  readonly at: number;
  readonly isolate: string;
  readonly mb: number;
}

/**
 * Live heap (MB) after a mark-compact, per isolate (the loader's worker thread has its own):
 * `[pid:0x…]  1234 ms: Mark-Compact 61.2 (80.1) -> 30.4 (79.0) MB, …`.
 */
export function parseFullGc(line: string): LiveHeapSample | undefined {
  const gc = /^\[([^\]]+)\].*Mark-Compact[^\n]*?->\s*([\d.]+)/.exec(line);
  return gc ? { at: Date.now(), isolate: gc[1] ?? '', mb: Number(gc[2]) } : undefined;
}

/** Resident memory of a process in MB (Linux /proc); undefined elsewhere. */
function rssMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+)/.exec(status)?.[1];
    return kb ? Math.round(Number(kb) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

export interface RssSamples {
  readonly afterWarmUp: number | undefined;
  readonly atEnd: number | undefined;
  readonly max: number | undefined;
}

/** Samples the RSS every second; `stop()` takes the last sample. */
export function sampleRss(pid: number | undefined, warmUpEnd: number): { stop(): RssSamples } {
  let rssStart: number | undefined;
  const samples: number[] = [];
  const sampler = setInterval(() => {
    const rss = rssMb(pid);
    if (rss !== undefined) samples.push(rss);
    if (rssStart === undefined && Date.now() >= warmUpEnd) rssStart = rss;
  }, 1_000);
  return {
    stop: () => {
      const atEnd = rssMb(pid);
      clearInterval(sampler);
      return {
        afterWarmUp: rssStart,
        atEnd,
        max: samples.length > 0 ? Math.max(...samples) : undefined,
      };
    },
  };
}

export interface HeapGrowth {
  readonly start: number | undefined;
  readonly end: number | undefined;
  readonly growth: number | undefined;
  /** The main isolate's samples. */
  readonly series: readonly LiveHeapSample[];
}

/**
 * The main isolate is the one that collects most; compares the median live heap of the first and
 * the last third of the measured run (warm-up end to load end; the last third runs to the drain).
 */
export function liveHeapGrowth(
  liveHeap: readonly LiveHeapSample[],
  run: { readonly warmUpEnd: number; readonly end: number; readonly drainAt: number },
): HeapGrowth {
  const perIsolate = new Map<string, number>();
  for (const h of liveHeap) bump(perIsolate, h.isolate);
  const main = [...perIsolate].sort((x, y) => y[1] - x[1])[0]?.[0];
  const mainHeap = liveHeap.filter((h) => h.isolate === main);
  const runMs = run.end - run.warmUpEnd;
  const within = (from: number, to: number) =>
    mainHeap.filter((h) => h.at >= from && h.at <= to).map((h) => h.mb);
  const median = (xs: number[]) =>
    xs.length === 0 ? undefined : [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  const start = median(within(run.warmUpEnd, run.warmUpEnd + runMs / 3));
  const end = median(within(run.end - runMs / 3, run.drainAt));
  const growth =
    start !== undefined && end !== undefined ? Math.round((end - start) * 10) / 10 : undefined;
  return { start, end, growth, series: mainHeap };
}

export function memoryReport(heap: HeapGrowth, rss: RssSamples, startedAt: number) {
  return {
    liveHeapAfterWarmUp: heap.start,
    liveHeapAtEnd: heap.end,
    liveHeapGrowth: heap.growth,
    fullGcs: heap.series.length,
    liveHeapSeries: heap.series
      .map((h) => `${Math.round((h.at - startedAt) / 1000)}s:${h.mb}`)
      .join(' '),
    rssAfterWarmUp: rss.afterWarmUp,
    rssAtEnd: rss.atEnd,
    rssMax: rss.max,
    limitGrowth: MAX_GROWTH_MB,
  };
}

export function memoryProblems(heap: HeapGrowth): string[] {
  if (heap.growth === undefined) return ['no full GC seen: cannot judge memory'];
  if (heap.growth > MAX_GROWTH_MB)
    return [`live heap grew by ${heap.growth} MB (limit ${MAX_GROWTH_MB})`];
  return [];
}
