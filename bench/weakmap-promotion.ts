/**
 * The GC behaviour behind the p99 fix (bench/PROFILING.md), reproduced without any library:
 * short-lived objects put into one long-lived WeakMap are promoted to the old generation by
 * scavenges, on Node 20, although nothing reaches them once their loop iteration ends.
 *
 *   npx tsx bench/weakmap-promotion.ts none; npx tsx bench/weakmap-promotion.ts weakmap
 *
 * Prints how much the old space grew (sampled every 1,000 iterations; a full GC's shrinking is
 * not subtracted): with `weakmap` hundreds of MB, with `none` under 1 MB.
 */
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';

const mode = process.argv[2] === 'weakmap' ? 'weakmap' : 'none';
const table = new WeakMap<object, object>();
let scavenges = 0;
let promoted = 0;
let oldBefore = oldSpaceUsed();
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
    if (kind === constants.NODE_PERFORMANCE_GC_MINOR) scavenges++;
  }
});
observer.observe({ entryTypes: ['gc'] });

function oldSpaceUsed(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'old_space')?.space_used_size ?? 0;
}

let sink = 0;
for (let i = 0; i < 200_000; i++) {
  const key = { i }; // a "request"
  const value = { junk: Array.from({ length: 50 }, (_, j) => ({ j, text: `x${j}` })) };
  if (mode === 'weakmap') table.set(key, value);
  sink += value.junk.length;
  if (i % 1000 === 0) {
    const now = oldSpaceUsed();
    if (now > oldBefore) promoted += now - oldBefore; // a full GC shrinks it: not counted
    oldBefore = now;
  }
}
setTimeout(() => {
  observer.disconnect();
  console.log(
    `${mode}: ${scavenges} scavenges, old space grew by ${(promoted / 2 ** 20).toFixed(1)} MB (${sink} items)`,
  );
}, 10);
