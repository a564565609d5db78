import { drainCheck, drainProblems } from './soak/drain-check.ts';
import { graphqlClient } from './soak/graphql-client.ts';
import { liveHeapGrowth, memoryProblems, memoryReport, sampleRss } from './soak/memory-check.ts';
import { mutationOperations } from './soak/mutations.ts';
import { listPlugins, queryOperations } from './soak/queries.ts';
import { causeRedisOutages, redisOutageCount } from './soak/redis-outages.ts';
import { startServerProcess } from './soak/server-process.ts';
import { CONCURRENCY, SECONDS } from './soak/settings.ts';
import { startSimulators, startSoakRedis } from './soak/stack.ts';
import { followRandomTask } from './soak/subscriptions.ts';
import { counts, pick, sorted, tasks } from './soak/tally.ts';
import { taskCheck } from './soak/task-check.ts';
import { injectVendorFaults } from './soak/vendor-faults.ts';
import { checkWrites, writeProblems, writeReport } from './soak/write-check.ts';

/**
 * `npm run soak` (not part of `npm test`): the real server process against the five simulators,
 * mixed queries, mutations and taskProgress subscriptions from SOAK_CONCURRENCY workers, with
 * random vendor faults (hang, 5xx, malformed body, dropped connection, latency, expired sessions,
 * and on writes a lost answer: the vendor acts, then never answers, cuts the connection or sends
 * an HTML 200) for SOAK_SECONDS (default 120). Then faults are lifted, every task must reach a terminal state,
 * and SIGTERM must drain the server to exit 0.
 *
 * Where redis-server is installed (SOAK_REDIS=0 turns it off), the server runs in scaled-out mode
 * on a persisted redis-server that hangs (SIGSTOP) or restarts every SOAK_REDIS_OUTAGE_EVERY_MS
 * (mean, default 8000) for up to 2 s, during the mutations; a task read failing with
 * STORE_UNAVAILABLE is asked again later, not counted lost. Then every write the appliance and
 * KorAP performed must belong to a task a caller got (no vendor write without a stored task; their
 * write calls get no vendor fault but a lost answer, since another could hide a performed write),
 * and no SDM action or appliance install may have reached its vendor while an earlier one on its
 * target still ran (no write sent twice).
 *
 * Reports requests, errors by code, memory at start and end, tasks started vs finished. Exits 1
 * if the server died, a task was lost (it vanished or never reached a terminal state), a vendor
 * write has no task or was sent twice, the live heap grew by more than SOAK_MAX_GROWTH_MB (default 32) from the end
 * of the warm-up to the end, or the drain failed.
 *
 * One file a scenario or check in soak/ (settings.ts holds every SOAK_* knob); this file only
 * runs them in order: the stack, the load with its faults, then the checks.
 */
async function main(): Promise<void> {
  const sims = await startSimulators();
  const redis = await startSoakRedis();
  const server = await startServerProcess(sims.environment, redis?.server.url);
  const gql = graphqlClient(server.url);
  const of = await listPlugins(gql);
  const operations = [
    ...queryOperations(gql),
    ...mutationOperations(gql, of),
    () => followRandomTask(server.url),
  ];

  const startedAt = Date.now();
  const end = startedAt + SECONDS * 1_000;
  const warmUpEnd = Date.now() + Math.min(30_000, (SECONDS * 1_000) / 3);
  const faults = new AbortController();
  const vendorFaults = injectVendorFaults(sims, end, faults.signal);
  const redisOutages = causeRedisOutages(redis?.server, end, faults.signal);
  const rss = sampleRss(server.child.pid, warmUpEnd);
  const taskChecks = taskCheck(gql);
  const checker = taskChecks.whileLoaded(end, server.died);
  const workers = Array.from({ length: CONCURRENCY }, async () => {
    while (Date.now() < end && !server.died()) await pick(operations)();
  });
  await Promise.all([...workers, checker]);
  faults.abort();
  await Promise.all([vendorFaults, redisOutages]);
  for (const sim of Object.values(sims.all)) sim.server.clearFaults();

  const started = tasks.size;
  await taskChecks.settle(server.died);
  const writes = checkWrites(sims);
  const rssSamples = rss.stop();

  const drainAt = Date.now();
  const exitCode = await drainCheck(server);
  await sims.close();
  await redis?.close();

  const heap = liveHeapGrowth(server.liveHeap, { warmUpEnd, end, drainAt });
  const report = {
    seconds: SECONDS,
    concurrency: CONCURRENCY,
    requests: counts.requests,
    requestsByOperation: sorted(counts.byOperation),
    httpStatus: sorted(counts.http),
    errorsByCode: sorted(counts.errorsByCode),
    mutationOutcomes: sorted(counts.outcomes),
    subscriptions: counts.subscriptions,
    faultsInjected: [...counts.faults.values()].reduce((a, n) => a + n, 0),
    lostAnswers: {
      faultsInjected: [...counts.faults]
        .filter(([name]) => name.includes(':lost-answer:'))
        .reduce((a, [, n]) => a + n, 0),
      tasksKeptOutcomeUnknown: counts.outcomeUnknown,
    },
    memoryMb: memoryReport(heap, rssSamples, startedAt),
    tasks: taskChecks.report(started),
    redis: redis ? { outages: redisOutageCount() } : 'off',
    writes: writeReport(sims, writes),
    serverDied: server.died(),
    drainExitCode: exitCode,
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);

  const problems = [
    ...(server.died() ? ['the server process died'] : []),
    ...taskChecks.problems(started),
    ...writeProblems(sims, writes),
    ...memoryProblems(heap),
    ...drainProblems(exitCode),
  ];
  if (problems.length > 0) {
    process.stderr.write(
      `SOAK FAILED:\n  - ${problems.join('\n  - ')}\n--- server output ---\n${server.output()}\n`,
    );
    process.exit(1);
  }
  process.stdout.write('soak passed: no crash, no lost task, memory flat, clean drain\n');
  process.exit(0);
}

await main();
