/**
 * `npx tsx bench/ab.ts ROUNDS DIR[#FLAGS] DIR[#FLAGS] …`: section 1's load on plugin-graph servers
 * of several checkouts, side by side: each variant's server started fresh in turn, the order
 * repeated ROUNDS times, one set of simulators for all. A DIR is a checkout with its
 * node_modules (`git worktree add /tmp/old <commit> && ln -s "$PWD/node_modules" /tmp/old/`), '.'
 * this one; `#FLAGS` adds node flags (`.#--min-semi-space-size=0`). Each server runs with its
 * own checkout's `npm start` flags. Prints every round, then each variant's median req/s, median
 * server CPU per request and the geometric mean of its per-round req/s ratio to the first
 * variant: on a shared VM one round differs from the next by ±20 %, and pairing rounds cancels
 * the slow spells. BENCH_WARMUP_S and BENCH_DURATION_S apply. RESULTS.md untouched.
 */
import { type Throughput, throughput } from './harness/closed-loop-load.ts';
import { percentile } from './harness/percentile.ts';
import { killChildrenOnExit } from './harness/processes.ts';
import { type Checkout, startPluginGraph } from './harness/servers.ts';
import { log } from './harness/settings.ts';
import { startSims } from './harness/simulators.ts';
import { graphqlTarget } from './harness/targets.ts';

/** `dir#flags` of the command line. */
function checkoutOf(spec: string): Checkout {
  const [dir = '.', flags = ''] = spec.split('#');
  return { dir, flags: flags.split(' ').filter(Boolean) };
}

/** Nearest-rank median, as the bench's other tables take percentiles. */
const median = (xs: readonly number[]) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );

async function main(): Promise<void> {
  const [roundsArg, ...specs] = process.argv.slice(2);
  const rounds = Number(roundsArg);
  if (!Number.isInteger(rounds) || rounds < 1 || specs.length === 0) {
    process.stderr.write('usage: npx tsx bench/ab.ts ROUNDS DIR[#FLAGS] [DIR[#FLAGS] …]\n');
    process.exit(2);
  }
  const sims = await startSims();
  // By position: the same checkout may be given twice (its own noise, as a control).
  const runs: Throughput[][] = specs.map(() => []);
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const [v, spec] of specs.entries()) {
        const pg = await startPluginGraph(sims.info, {}, checkoutOf(spec));
        try {
          const r = await throughput(graphqlTarget(spec, pg.url, pg.child.pid));
          runs[v]?.push(r);
          log(
            `round ${round} ${spec}: ${Math.round(r.rps)} req/s, ${r.serverCpuUsPerRequest?.toFixed(0)} µs/request, ${r.loaderWaitsPerRequest?.toFixed(2)} loader waits/request`,
          );
        } finally {
          await pg.stop();
        }
      }
    }
  } finally {
    await sims.stop();
  }
  const first = runs[0] ?? [];
  for (const [v, spec] of specs.entries()) {
    const mine = runs[v] ?? [];
    const logRatios = mine.map((r, i) => Math.log(r.rps / (first[i]?.rps ?? r.rps)));
    const geomean = Math.exp(logRatios.reduce((a, b) => a + b, 0) / mine.length);
    const cpu = mine.map((r) => r.serverCpuUsPerRequest ?? Number.NaN);
    log(
      `${spec}: median ${Math.round(median(mine.map((r) => r.rps)))} req/s, median ${median(cpu).toFixed(0)} µs/request, ${geomean.toFixed(2)}× the first (geometric mean of ${mine.length} paired rounds)`,
    );
  }
}

killChildrenOnExit();
await main();
