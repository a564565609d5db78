import { type Throughput, throughput } from '../harness/closed-loop-load.ts';
import { GOALS } from '../harness/goals.ts';
import { fmt, goalTable, type Out, ratio } from '../harness/markdown.ts';
import { CONNECTIONS, DURATION_S, log, READ, WARMUP_S } from '../harness/settings.ts';
import type { Sims } from '../harness/simulators.ts';
import type { Target } from '../harness/targets.ts';

/**
 * Scenario 1: closed-loop throughput on one read, direct vs bare graphql-yoga vs Apollo Server vs
 * plugin-graph, one target at a time, counting the HSS list calls each request cost.
 */
export async function measureThroughput(
  targets: readonly Target[],
  sims: Sims,
): Promise<Throughput[]> {
  const tput: Throughput[] = [];
  for (const t of targets) {
    log(`throughput: ${t.name} ...`);
    tput.push(await throughput(t, CONNECTIONS, () => sims.count('hss', /\/plugins$/)));
  }
  return tput;
}

export function reportThroughput(
  out: Out,
  targets: readonly Target[],
  tput: readonly Throughput[],
): void {
  const [dT, bT, aT, pT] = tput as [Throughput, Throughput, Throughput, Throughput];
  const vsBare = pT.rps / bT.rps;
  const vsApollo = pT.rps / aT.rps;
  out(`## 1. Throughput: \`${READ}\``);
  out();
  out(
    `${CONNECTIONS} connections, ${WARMUP_S} s warm-up then ${DURATION_S} s measured per target, one target at a time.`,
  );
  out();
  out('| target | req/s | vs direct | p50 ms | p99 ms | errors | HSS calls per request |');
  out('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  targets.forEach((t, i) => {
    const r = tput[i] as Throughput;
    const calls = r.backendCallsPerRequest === undefined ? '' : r.backendCallsPerRequest.toFixed(2);
    out(
      `| ${t.name} | ${fmt(r.rps)} | ${ratio(r.rps, dT.rps)} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ${r.errors} | ${calls} |`,
    );
  });
  out();
  out(
    'plugin-graph coalesces identical reads that are in flight at the same time (`src/backends/in-flight.ts`:',
  );
  out(
    'joined while running, never cached), so under 20 concurrent identical reads it asks HSS less than once',
  );
  out(
    'per request; the bare resolver and Apollo ask once per request. The last column shows the difference.',
  );
  out();
  goalTable(out, [
    {
      goal: `plugin-graph ≥ ${GOALS.throughputVsBare}× bare graphql-yoga`,
      measured: `${vsBare.toFixed(2)}×`,
      met: vsBare >= GOALS.throughputVsBare,
    },
    {
      goal: `plugin-graph ≥ ${GOALS.throughputVsApollo}× Apollo Server`,
      measured: `${vsApollo.toFixed(2)}×`,
      met: vsApollo >= GOALS.throughputVsApollo,
    },
  ]);
}
