import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/index.ts';
import { createRuntime } from '../../src/runtime.ts';
import { fmt, type Out, ratio } from '../harness/markdown.ts';
import { CONNECTIONS, DURATION_S, log, WARMUP_S } from '../harness/settings.ts';

export interface TaskStoreRate {
  readonly store: 'memory' | 'sqlite';
  /** Tasks launched (locked, stored QUEUED, vendor answer stored) per second. */
  readonly tasksPerSecond: number;
  readonly launched: number;
}

export interface TaskStoreBench {
  readonly memory: TaskStoreRate;
  readonly sqlite: TaskStoreRate;
}

/**
 * Scenario 7 (BENCH_ONLY=taskstore): tasks started per second on the SQLite store beside memory,
 * same server code (createRuntime, its tracker), two stores, in this process one after the other.
 * The vendor call answers at once (SUCCESS), so what is measured is the task path itself: the
 * conflict lock (a key per task), the QUEUED write before the call, the write of its answer, the
 * lock freed. `CONNECTIONS` launches are kept in flight (closed loop).
 */
export async function measureTaskStore(): Promise<TaskStoreBench> {
  const memory = await rate('memory');
  const sqlite = await rate('sqlite');
  return { memory, sqlite };
}

async function rate(store: TaskStoreRate['store']): Promise<TaskStoreRate> {
  log(`task store: ${store} ...`);
  const dir = store === 'sqlite' ? mkdtempSync(join(tmpdir(), 'plugin-graph-bench-')) : undefined;
  const runtime = createRuntime(
    { ...loadConfig({ PLUGIN_GRAPH_DEMO: '1' }), demo: false, dataDir: dir },
    pino({ level: 'silent' }),
  );
  let n = 0;
  const launchOne = () => {
    n += 1;
    return runtime.tracker.launch({
      backend: 'appliance',
      operation: 'INSTALL_UPDATE',
      lockKey: `bench:${n}`,
      start: async () => ({ initial: { status: 'SUCCESS', progress: 100 } }),
    });
  };
  const loop = async (seconds: number) => {
    const until = Date.now() + seconds * 1000;
    let launched = 0;
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        while (Date.now() < until) {
          await launchOne();
          launched += 1;
        }
      }),
    );
    return launched;
  };
  try {
    await loop(WARMUP_S);
    const started = performance.now();
    const launched = await loop(DURATION_S);
    const seconds = (performance.now() - started) / 1000;
    return { store, launched, tasksPerSecond: launched / seconds };
  } finally {
    await runtime.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

export function reportTaskStore(out: Out, bench: TaskStoreBench): void {
  out('## 7. Task throughput: SQLite store vs memory');
  out();
  out(
    `Tasks started per second through the tracker of one runtime, ${CONNECTIONS} launches in flight, ${WARMUP_S} s warm-up then ${DURATION_S} s measured;`,
  );
  out(
    'the vendor answers at once, so each task costs its lock, its QUEUED write and the write of its answer.',
  );
  out('SQLite: WAL, synchronous NORMAL, one file in a temp data dir.');
  out();
  out('| store | tasks/s | vs memory |');
  out('| --- | ---: | ---: |');
  for (const r of [bench.memory, bench.sqlite])
    out(
      `| ${r.store} | ${fmt(r.tasksPerSecond)} | ${ratio(r.tasksPerSecond, bench.memory.tasksPerSecond)} |`,
    );
  out();
}

/** BENCH_ONLY=taskstore: the figures only, RESULTS.md untouched. */
export async function taskStoreLoop(): Promise<void> {
  const bench = await measureTaskStore();
  reportTaskStore((line = '') => log(line), bench);
}
