import { startComparedServers } from './harness/compared-servers.ts';
import { describeMachine } from './harness/machine.ts';
import { killChildrenOnExit } from './harness/processes.ts';
import { writeResults } from './harness/results-md.ts';
import { log, ONLY, SUBSCRIBERS } from './harness/settings.ts';
import { startSims } from './harness/simulators.ts';
import { directTarget, type Target } from './harness/targets.ts';
import { auditLoop, measureAudit, reportAudit } from './scenarios/audit.ts';
import { measureBatching, reportBatching } from './scenarios/batching.ts';
import { costGrowthLoop, measureCostGrowth, reportCostGrowth } from './scenarios/cost-growth.ts';
import { measureEncoding } from './scenarios/encoding.ts';
import { fanOut, fanOutLoop, reportFanOut } from './scenarios/fan-out.ts';
import { fleetLoop, measureFleet, reportFleet } from './scenarios/fleet.ts';
import { latencyLoop, measureLatency, reportLatency } from './scenarios/latency.ts';
import { measureRollouts, reportRollouts, rolloutsLoop } from './scenarios/rollouts.ts';
import { measureScaleOut, reportScaleOut } from './scenarios/scale-out.ts';
import { measureTaskStore, reportTaskStore, taskStoreLoop } from './scenarios/task-store.ts';
import { measureThroughput, reportThroughput, throughputLoop } from './scenarios/throughput.ts';

/**
 * `npm run bench` (SPEC §9, issue 8): every server in its own process, everything on 127.0.0.1,
 * figures as ratios from one run. Prints a table and writes bench/RESULTS.md. No test asserts
 * any of this: it is evidence, not a gate. One file a scenario in scenarios/, what they share in
 * harness/; this file only runs them in order, and the order matters: scenario 4 reuses
 * plugin-graph from 1 and 2, and 5, 6 and 9 need fresh simulators (9 starts its own, scaled);
 * 7 and 8 run in process.
 */
async function main(): Promise<void> {
  const machine = describeMachine();
  log(`plugin-graph bench on ${machine}`);
  const t0 = Date.now();
  // In this process, no simulators needed (scenarios/task-store.ts).
  if (ONLY === 'taskstore') return taskStoreLoop();
  // In process, no simulators of the shared set (scenarios/audit.ts).
  if (ONLY === 'audit') return auditLoop();
  // Scenario 7's quick loop starts its own scaled simulators (scenarios/cost-growth.ts).
  if (ONLY === 'cost') return costGrowthLoop();
  // Section 10 starts its own two scaled regions (scenarios/rollouts.ts).
  if (ONLY === 'rollouts') return rolloutsLoop();
  const sims = await startSims();
  const direct = directTarget(sims.info.hss, sims.pid);

  // Quick loops, RESULTS.md untouched (scenarios/fan-out.ts, latency.ts, fleet.ts).
  if (ONLY === 'fanout') return fanOutLoop(sims);
  if (ONLY === 'latency') return latencyLoop(sims, direct);
  if (ONLY === 'fleet') return fleetLoop(sims);
  if (ONLY === 'throughput') return throughputLoop(sims, direct);

  // 1) throughput (four targets and two ceilings) and 2) latency (the four targets), each its
  // own process, one at a time.
  const compared = await startComparedServers(sims.info, direct);
  const { pg, targets } = compared;
  const throughputTargets = [...targets, ...compared.ceilings];
  const tput = await measureThroughput(throughputTargets, sims);
  // Then plugin-graph's read with and without Accept-Encoding, alternating (scenarios/encoding.ts).
  const encodingRounds = await measureEncoding(targets[3] as Target, compared.withEncoding);
  const lat = await measureLatency(targets, pg);
  await Promise.all(
    [compared.bare, compared.apollo, compared.bareFromMemory, compared.pgWithoutJit].map((s) =>
      s.stop(),
    ),
  );

  // 3) batching
  log('batching ...');
  const batches = await measureBatching();

  // 4) fan-out: 1,000 SSE subscribers on one task of the plugin-graph process above.
  log(`fan-out: ${SUBSCRIBERS} SSE subscribers ...`);
  const fan = await fanOut(sims, [pg]);
  await pg.stop();

  // 5) scale-out: one instance on Redis vs two, same load.
  log('scale-out ...');
  await sims.stop();
  const scale = await measureScaleOut();

  // 6) fleet: 1 HSS endpoint vs 20, on fresh simulators (5 stopped the first ones).
  const fleetSims = await startSims();
  const fleet = await measureFleet(fleetSims);
  await fleetSims.stop();

  // 7) task throughput: the SQLite store beside memory, same runtime code, in this process.
  const taskStore = await measureTaskStore();
  // 8) a mutation's cost with the audit write: memory vs SQLite, in process.
  const audit = await measureAudit();
  // 9) cost growth: scaled simulators (SIMULATOR_SCALE), one size after another.
  const cost = await measureCostGrowth();
  // 10) rollouts: two scaled HSS regions, one startRollout vs a client script's mutations.
  const rollouts = await measureRollouts();

  writeResults(machine, t0, [
    (out) =>
      reportThroughput(out, throughputTargets, tput, {
        rounds: encodingRounds,
        answer: compared.readAnswer,
      }),
    (out) => reportLatency(out, targets, lat),
    (out) => reportBatching(out, batches),
    (out) => reportFanOut(out, fan),
    (out) => reportScaleOut(out, scale),
    (out) => reportFleet(out, fleet),
    (out) => reportTaskStore(out, taskStore),
    (out) => reportAudit(out, audit),
    (out) => reportCostGrowth(out, cost),
    (out) => reportRollouts(out, rollouts),
  ]);
}

killChildrenOnExit();
await main();
