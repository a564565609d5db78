import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startZstackSimulator } from '../../src/backends/zstack/simulator.ts';
import { type Config, loadConfig } from '../../src/config/index.ts';
import { createRuntime } from '../../src/runtime.ts';
import { fmt, type Out, ratio } from '../harness/markdown.ts';
import { DURATION_S, log, WARMUP_S } from '../harness/settings.ts';

/** Mutations in flight at once: each its own lock key, so none waits for another. */
const CONCURRENCY = 10;

/** One audit store's figures. */
export interface AuditRow {
  readonly store: 'memory' | 'SQLite';
  readonly mutationsPerSecond: number;
  /** Entries the trail held after the run: proof every mutation was written. */
  readonly entries: number;
  readonly mutations: number;
}

const MUTATION = `mutation($name: String!) {
  refreshPluginDrivers(input: { name: $name }) { __typename }
}`;

/**
 * One store's row: a runtime in process over one ZStack simulator (jobs end at the first poll),
 * CONCURRENCY closed loops of `refreshPluginDrivers`, each a distinct driver name (no conflicts):
 * every mutation is two audit writes (the entry before the vendor call, its outcome after), one
 * vendor call and a task. In process, so the figure is the mutation path's own cost.
 */
async function measureOne(
  store: AuditRow['store'],
  dataDir: string | undefined,
): Promise<AuditRow> {
  const zstack = await startZstackSimulator({ stepMs: 0, pollsPerJob: 1 });
  const config: Config = {
    ...loadConfig({ PLUGIN_GRAPH_DEMO: '1' }),
    demo: false,
    backends: { zstack: zstack.config() },
    dataDir,
  };
  const runtime = createRuntime(config, pino({ level: 'silent' }));
  let n = 0;
  const once = async () => {
    const res = await runtime.app.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: MUTATION, variables: { name: `driver-${n++}` } }),
    });
    const body = (await res.json()) as { data?: { refreshPluginDrivers?: { __typename: string } } };
    if (body.data?.refreshPluginDrivers?.__typename !== 'RefreshPluginDriversPayload')
      throw new Error(`audit bench mutation failed: ${JSON.stringify(body)}`);
  };
  const loop = async (untilMs: number) => {
    let done = 0;
    const worker = async () => {
      while (Date.now() < untilMs) {
        await once();
        done++;
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    return done;
  };
  try {
    log(`audit: ${store} ...`);
    await loop(Date.now() + WARMUP_S * 1000);
    const started = Date.now();
    const done = await loop(started + DURATION_S * 1000);
    const seconds = (Date.now() - started) / 1000;
    const entries = (await runtime.audit.page({ limit: 1_000_000 })).length;
    return { store, mutationsPerSecond: done / seconds, entries, mutations: n };
  } finally {
    await runtime.close();
    await zstack.close();
  }
}

/** Scenario 8: a mutation's cost with the audit write, memory (demo mode) vs SQLite (data dir). */
export async function measureAudit(): Promise<AuditRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'pg-bench-audit-'));
  try {
    return [await measureOne('memory', undefined), await measureOne('SQLite', dir)];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function reportAudit(out: Out, rows: readonly AuditRow[]): void {
  const memory = rows.find((r) => r.store === 'memory');
  out("## 8. A mutation's cost with the audit write");
  out();
  out(
    `In process, ${CONCURRENCY} closed loops of \`refreshPluginDrivers\` (each a distinct driver, one ZStack job each) for ${DURATION_S} s after ${WARMUP_S} s of warm-up; every mutation is an audit entry written before the vendor call and completed after it.`,
  );
  out();
  out('| audit store | mutations/s | vs memory | entries kept / mutations sent |');
  out('| --- | ---: | ---: | ---: |');
  for (const r of rows) {
    out(
      `| ${r.store} | ${fmt(r.mutationsPerSecond)} | ${memory ? ratio(r.mutationsPerSecond, memory.mutationsPerSecond) : 'n/a'} | ${fmt(r.entries)} / ${fmt(r.mutations)} |`,
    );
  }
  out();
}

/** BENCH_ONLY=audit: the two rows, printed; RESULTS.md untouched. */
export async function auditLoop(): Promise<void> {
  const lines: string[] = [];
  reportAudit((l = '') => lines.push(l), await measureAudit());
  log(lines.join('\n'));
}
