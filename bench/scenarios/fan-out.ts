import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { GOALS } from '../harness/goals.ts';
import { heapOf } from '../harness/heap-and-gc.ts';
import { fmt, type Out, verdict } from '../harness/markdown.ts';
import { type Server, startPluginGraph } from '../harness/servers.ts';
import { log, POLL_INTERVAL_MS, SUBSCRIBERS } from '../harness/settings.ts';
import type { Sims } from '../harness/simulators.ts';
import { gql } from '../harness/targets.ts';

interface Subscribers {
  readonly opened: number;
  close(): Promise<void>;
}

/** `n` SSE subscriptions to one task, spread over `urls`; resolves once each saw its first event. */
async function subscribe(urls: readonly string[], taskId: string, n: number): Promise<Subscribers> {
  const pools = urls.map((u) => new Pool(u, { connections: n }));
  const body = JSON.stringify({
    query: 'subscription($id: ID!) { taskProgress(id: $id) { id status progress } }',
    variables: { id: taskId },
  });
  const streams: NodeJS.ReadableStream[] = [];
  let opened = 0;
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const pool = pools[i % pools.length] as Pool;
      const res = await pool.request({
        method: 'POST',
        path: '/graphql',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body,
      });
      streams.push(res.body);
      let seen = '';
      await new Promise<void>((resolve) => {
        const onData = (chunk: Buffer) => {
          seen += chunk.toString();
          if (seen.includes('event: next')) {
            opened++;
            res.body.off('data', onData);
            res.body.resume(); // keep reading what comes next
            resolve();
          }
        };
        res.body.on('data', onData);
        res.body.on('error', () => resolve());
        res.body.on('end', () => resolve());
      });
    }),
  );
  return {
    opened,
    async close() {
      for (const s of streams) (s as NodeJS.ReadableStream & { destroy(): void }).destroy();
      await Promise.all(pools.map((p) => p.destroy()));
    },
  };
}

/** Starts an appliance update: a task that runs for as long as the fan-out watches it. */
async function startInstall(url: string): Promise<string> {
  const r = await gql<{ data?: { installUpdate?: { task?: { id: string } } }; errors?: unknown }>(
    url,
    'mutation { installUpdate(input: { version: "9.0.3.0" }) { ... on InstallUpdatePayload { task { id } } } }',
  );
  const id = r.data?.installUpdate?.task?.id;
  if (!id) throw new Error(`installUpdate failed: ${JSON.stringify(r)}`);
  return id;
}

export interface FanOut {
  readonly subscribers: number;
  readonly pollsPerInterval: number;
  readonly bytesPerSubscriber: number;
}

/**
 * Scenario 4 (and the fan-out half of 5): SUBSCRIBERS SSE subscribers on one task started on the
 * first server, spread over `servers`: appliance polls per interval, heap per subscriber.
 */
export async function fanOut(sims: Sims, servers: readonly Server[]): Promise<FanOut> {
  const [first] = servers;
  if (!first) throw new Error('no server');
  const taskId = await startInstall(first.url);
  await sleep(1_500);
  const before = await Promise.all(servers.map(heapOf));
  const subs = await subscribe(
    servers.map((s) => s.url),
    taskId,
    SUBSCRIBERS,
  );
  await sleep(1_000);
  await sims.clear();
  const windowMs = 5 * POLL_INTERVAL_MS;
  await sleep(windowMs);
  const polls = await sims.count('appliance', /\/tasks\//);
  const after = await Promise.all(servers.map(heapOf));
  await subs.close();
  const sum = (xs: NodeJS.MemoryUsage[], k: 'heapUsed') => xs.reduce((a, m) => a + m[k], 0);
  return {
    subscribers: subs.opened,
    pollsPerInterval: polls / (windowMs / POLL_INTERVAL_MS),
    bytesPerSubscriber: (sum(after, 'heapUsed') - sum(before, 'heapUsed')) / subs.opened,
  };
}

export function reportFanOut(out: Out, fan: FanOut): void {
  out(`## 4. Fan-out: ${SUBSCRIBERS} SSE subscribers on one task`);
  out();
  out('| | measured | goal | |');
  out('| --- | ---: | ---: | --- |');
  out(
    `| subscribers that received the first event | ${fan.subscribers} | ${SUBSCRIBERS} | ${verdict(fan.subscribers === SUBSCRIBERS)} |`,
  );
  out(
    `| appliance task polls per ${POLL_INTERVAL_MS} ms interval | ${fan.pollsPerInterval.toFixed(2)} | ${GOALS.pollsPerInterval} | ${verdict(fan.pollsPerInterval <= GOALS.pollsPerIntervalAtMost)} |`,
  );
  out(
    `| V8 heap per subscriber (after GC) | ${fmt(fan.bytesPerSubscriber / 1024, 1)} KB | ≤ ${GOALS.heapPerSubscriberKb} KB | ${verdict(fan.bytesPerSubscriber <= GOALS.heapPerSubscriberKb * 1024)} |`,
  );
  out();
}

/** BENCH_ONLY=fanout, the quick loop for memory work: only the fan-out figure, printed. */
export async function fanOutLoop(sims: Sims): Promise<void> {
  const pgOnly = await startPluginGraph(sims.info);
  const fan = await fanOut(sims, [pgOnly]);
  log(`fan-out: ${JSON.stringify(fan)}`);
  await pgOnly.stop();
  await sims.stop();
}
