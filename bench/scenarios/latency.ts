import { writeFileSync } from 'node:fs';
import { cannon } from '../harness/closed-loop-load.ts';
import { GOALS } from '../harness/goals.ts';
import { describeGc, type GcPauses, gcDuring } from '../harness/heap-and-gc.ts';
import { fmt, goalTable, type Out } from '../harness/markdown.ts';
import { fixedRate, type Latency } from '../harness/open-loop-load.ts';
import { type Server, startBaseline, startPluginGraph } from '../harness/servers.ts';
import {
  LAT_TARGET,
  log,
  RATE,
  RATE_S,
  ROUNDS,
  TARGET_OUTPUT,
  WARMUP_S,
} from '../harness/settings.ts';
import type { Sims } from '../harness/simulators.ts';
import { graphqlTarget, type Target } from '../harness/targets.ts';

/** What scenario 2 measured. */
export interface LatencyRun {
  /** One row per target, in the targets' order. */
  readonly rows: readonly Latency[];
  /** plugin-graph's collections during its run, and how many requests that run sent. */
  readonly pgGc?: { readonly pauses: GcPauses; readonly sent: number };
}

/**
 * Scenario 2: latency each target adds at a fixed RATE (open loop, unsaturated), with the garbage
 * collections plugin-graph ran meanwhile: its pauses set the p99 tail.
 */
export async function measureLatency(targets: readonly Target[], pg: Server): Promise<LatencyRun> {
  const rows: Latency[] = [];
  let pgGc: LatencyRun['pgGc'];
  for (const t of targets) {
    log(`latency at ${RATE} req/s: ${t.name} ...`);
    if (t.url !== pg.url) rows.push(await fixedRate(t, RATE, RATE_S));
    else {
      const [r, gc] = await gcDuring(pg, () => fixedRate(t, RATE, RATE_S));
      rows.push(r);
      pgGc = { pauses: gc, sent: r.sent };
    }
  }
  return { rows, ...(pgGc ? { pgGc } : {}) };
}

export function reportLatency(out: Out, targets: readonly Target[], run: LatencyRun): void {
  const lat = run.rows;
  const [dL, , , pL] = lat as [Latency, Latency, Latency, Latency];
  const addedP50 = pL.p50 - dL.p50;
  const addedP99 = pL.p99 - dL.p99;
  out(`## 2. Latency at a fixed ${RATE} req/s (unsaturated)`);
  out();
  out(
    `Open loop, ${RATE_S} s after 1 s of warm-up; latency of each request from send to last byte.`,
  );
  out();
  out('| target | p50 ms | p99 ms | added p50 ms | added p99 ms | sent | failed |');
  out('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  targets.forEach((t, i) => {
    const r = lat[i] as Latency;
    out(
      `| ${t.name} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${i === 0 ? '' : fmt(r.p50 - dL.p50, 2)} | ${i === 0 ? '' : fmt(r.p99 - dL.p99, 2)} | ${r.sent} | ${r.failed} |`,
    );
  });
  out();
  goalTable(out, [
    {
      goal: `plugin-graph added p50 ≤ ${GOALS.addedP50Ms} ms`,
      measured: `${addedP50.toFixed(2)} ms`,
      met: addedP50 <= GOALS.addedP50Ms,
    },
    {
      goal: `plugin-graph added p99 ≤ ${GOALS.addedP99Ms} ms`,
      measured: `${addedP99.toFixed(2)} ms`,
      met: addedP99 <= GOALS.addedP99Ms,
    },
  ]);
  if (run.pgGc) {
    out(
      `Garbage collection in plugin-graph during its run: ${describeGc(run.pgGc.pauses, run.pgGc.sent)}.`,
    );
    out('A request that arrives during a pause waits for it: the pauses set the p99 tail.');
    out();
  }
}

/**
 * BENCH_ONLY=latency, the quick loop for latency work: direct and one target (BENCH_LAT_TARGET:
 * bare, apollo, or plugin-graph) at RATE, printed, RESULTS.md untouched. BENCH_NODE_FLAGS adds
 * node flags to the target (e.g. --trace-gc-nvp), BENCH_TARGET_OUTPUT saves its output to a file.
 */
export async function latencyLoop(sims: Sims, direct: Target): Promise<void> {
  const which = LAT_TARGET;
  const target =
    which === 'bare' || which === 'apollo'
      ? await startBaseline(`bench/${which === 'bare' ? 'bare-yoga' : 'apollo'}.ts`, sims.info.hss)
      : await startPluginGraph(sims.info);
  const loaded = graphqlTarget(which ?? 'plugin-graph', target.url);
  await cannon(loaded, WARMUP_S);
  for (let round = 0; round < ROUNDS; round++) {
    const d = await fixedRate(direct, RATE, RATE_S);
    const [p, gc] =
      which === 'bare' || which === 'apollo'
        ? [await fixedRate(loaded, RATE, RATE_S), undefined]
        : await gcDuring(target, () => fixedRate(loaded, RATE, RATE_S));
    if (gc) log(`gc in plugin-graph: ${describeGc(gc, p.sent)}`);
    log(
      `latency: direct p50 ${d.p50.toFixed(2)} p99 ${d.p99.toFixed(2)}; plugin-graph p50 ${p.p50.toFixed(2)} p99 ${p.p99.toFixed(2)}; added p50 ${(p.p50 - d.p50).toFixed(2)} p99 ${(p.p99 - d.p99).toFixed(2)} ms`,
    );
  }
  if (TARGET_OUTPUT) writeFileSync(TARGET_OUTPUT, target.output());
  await target.stop();
  await sims.stop();
}
