import { readFileSync, writeFileSync } from 'node:fs';
import type { Out } from './markdown.ts';
import { log } from './settings.ts';

/** One scenario's part of RESULTS.md, ending with a blank line. */
export type Section = (out: Out) => void;

/**
 * Writes bench/RESULTS.md (header, the sections in order, then bench/PROFILING.md) and prints
 * it. `startedAt` is when the run began: the header says how long it took.
 */
export function writeResults(machine: string, startedAt: number, sections: readonly Section[]) {
  const lines: string[] = [];
  const out: Out = (l = '') => {
    lines.push(l);
  };
  out('# Benchmark results');
  out();
  out(
    `Written by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}; machine: ${machine}.`,
  );
  out('Every server is its own process on 127.0.0.1; the HSS and appliance simulators share a');
  out('process; the load generator (autocannon; an open-loop undici client for latency) runs in');
  out('the bench process on the same cores. Figures are from one run: read them as ratios.');
  out(`Took ${Math.round((Date.now() - startedAt) / 1000)} s.`);
  out();
  for (const section of sections) section(out);
  // The prose about what was profiled and fixed, with its before/after figures.
  out(readFileSync('bench/PROFILING.md', 'utf8').trimEnd());
  out();
  const md = lines.join('\n');
  writeFileSync('bench/RESULTS.md', md);
  log('');
  log(md);
}
