import { type Throughput, throughput } from '../harness/closed-loop-load.ts';
import { type ReadAnswer, startComparedServers } from '../harness/compared-servers.ts';
import { GOALS } from '../harness/goals.ts';
import { fmt, goalTable, type Out, ratio } from '../harness/markdown.ts';
import { CONNECTIONS, DURATION_S, log, READ, WARMUP_S } from '../harness/settings.ts';
import type { Sims } from '../harness/simulators.ts';
import type { Target } from '../harness/targets.ts';
import { type EncodingRound, measureEncoding, reportEncoding } from './encoding.ts';

/** Section 1's read with and without Accept-Encoding (encoding.ts), reported in section 1. */
export interface EncodingFigures {
  readonly rounds: readonly EncodingRound[];
  readonly answer: ReadAnswer;
}

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
  encoding: EncodingFigures,
): void {
  const [dT, bT, aT, pT, memT, noJitT] = tput as [
    Throughput,
    Throughput,
    Throughput,
    Throughput,
    Throughput,
    Throughput,
  ];
  const vsBare = pT.rps / bT.rps;
  const vsApollo = pT.rps / aT.rps;
  const vsMemory = pT.rps / memT.rps;
  const vsNoJit = pT.rps / noJitT.rps;
  out(`## 1. Throughput: \`${READ}\``);
  out();
  out(
    `${CONNECTIONS} connections, ${WARMUP_S} s warm-up then ${DURATION_S} s measured per target, one target at a time.`,
  );
  out();
  out(
    '| target | req/s | vs direct | p50 ms | p99 ms | errors | HSS calls per request | server CPU µs per request | load generator waits per request |',
  );
  out('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  const fixed = (n: number | undefined, digits: number) =>
    n === undefined ? '' : n.toFixed(digits);
  targets.forEach((t, i) => {
    const r = tput[i] as Throughput;
    out(
      `| ${t.name} | ${fmt(r.rps)} | ${ratio(r.rps, dT.rps)} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ${r.errors} | ${fixed(r.backendCallsPerRequest, 2)} | ${fixed(r.serverCpuUsPerRequest, 0)} | ${fixed(r.loaderWaitsPerRequest, 2)} |`,
    );
  });
  out();
  out(
    'plugin-graph answers this list from its inventory snapshot (`src/inventory/`, refreshed in the',
  );
  out(
    'background), so a request costs no HSS call; the bare resolver and Apollo ask once per request.',
  );
  out("Server CPU per request is the server process's user + system time over the measured run");
  out(
    '(/proc, 10 ms ticks) divided by its requests: what one core of capacity buys, which req/s on',
  );
  out(
    'two shared cores does not isolate. Load generator waits: how often autocannon blocked for an',
  );
  out('answer per request: near 1 when each answer leaves alone and wakes the loader again, near');
  out('0 when answers leave in bursts (a server waiting on one backend read for many requests, or');
  out(
    'plugin-graph, which writes the answers of one event-loop turn together: src/http/response-batch.ts).',
  );
  out(
    "The wake-ups are paid in the sender's socket writes, on the same two cores (bench/PROFILING.md,",
  );
  out('"Answers written per turn").');
  out();
  out('The last two rows are ceilings measured in the same run: a bare graphql-yoga answering the');
  out('same list from memory (what Yoga itself costs on this document, with no backend call), and');
  out('plugin-graph with `PLUGIN_GRAPH_JIT=false` (every operation through graphql-js): what');
  out(`graphql-jit is worth here, ${vsNoJit.toFixed(2)}× (src/http/jit.ts runs it only for a`);
  out('document with one operation, so the operation named is the one that runs).');
  out();
  const encodingGoal = reportEncoding(out, encoding.rounds, encoding.answer);
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
    {
      goal: `plugin-graph ≥ ${GOALS.throughputVsBareFromMemory}× bare graphql-yoga from memory`,
      measured: `${vsMemory.toFixed(2)}×`,
      met: vsMemory >= GOALS.throughputVsBareFromMemory,
    },
    encodingGoal,
  ]);
}

/** BENCH_ONLY=throughput, the quick loop: scenario 1 printed, RESULTS.md untouched. */
export async function throughputLoop(sims: Sims, direct: Target): Promise<void> {
  const servers = await startComparedServers(sims.info, direct);
  try {
    const targets = [...servers.targets, ...servers.ceilings];
    const tput = await measureThroughput(targets, sims);
    const rounds = await measureEncoding(servers.targets[3] as Target, servers.withEncoding);
    reportThroughput((line = '') => console.log(line), targets, tput, {
      rounds,
      answer: servers.readAnswer,
    });
  } finally {
    await servers.stop();
    await sims.stop();
  }
}
