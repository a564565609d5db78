import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENDPOINT_CONCURRENCY } from '../../src/schema/partial-errors.ts';
import { fmt, type Out, ratio } from '../harness/markdown.ts';
import { fixedRate, type Latency } from '../harness/open-loop-load.ts';
import { startPluginGraph } from '../harness/servers.ts';
import { FLEET_ENDPOINTS, FLEET_RATE, FLEET_READ, log, RATE_S } from '../harness/settings.ts';
import type { Sims } from '../harness/simulators.ts';
import { gql, type Target } from '../harness/targets.ts';

/** One fleet size's figures. */
export interface FleetRow {
  readonly endpoints: number;
  /** HSS simulator requests per GraphQL request, over COUNTED sequential requests. */
  readonly callsPerRequest: number;
  /** Distinct `endpoint` values in one answer, and its `failures`: proof every endpoint answered. */
  readonly answered: number;
  readonly failures: number;
  readonly latency: Latency;
}

const COUNTED = 20;

interface FleetAnswer {
  data?: {
    plugins: { edges: { node: { endpoint: string } }[]; failures: { endpoint: string }[] };
  };
  errors?: unknown[];
}

/**
 * An endpoints file of `n` HSS endpoints, all the one simulator: it serves one project id, so
 * they differ by name only. Each is still its own client (pool, breaker, deadline) in
 * plugin-graph, which is what the row measures; the simulator does `n` times the work.
 */
function writeEndpointsFile(dir: string, hss: Sims['info']['hss'], n: number): string {
  const endpoints = Array.from({ length: n }, (_, i) => ({
    name: `hss-${String(i + 1).padStart(2, '0')}`,
    backend: 'hss',
    url: hss.url,
    projectId: hss.projectId,
    authToken: hss.token,
  }));
  const file = join(dir, `endpoints-${n}.json`);
  writeFileSync(file, JSON.stringify({ endpoints }));
  return file;
}

async function measureOne(sims: Sims, dir: string, n: number): Promise<FleetRow> {
  log(`fleet: ${n} HSS endpoint${n === 1 ? '' : 's'} at ${FLEET_RATE} req/s ...`);
  // No HSS_URL: the environment's `hss` endpoint is off, the file's are the only ones.
  const pg = await startPluginGraph(sims.info, {
    HSS_URL: undefined,
    PLUGIN_GRAPH_ENDPOINTS_FILE: writeEndpointsFile(dir, sims.info.hss, n),
  });
  try {
    const first = await gql<FleetAnswer>(pg.url, FLEET_READ);
    if (!first.data) throw new Error(`fleet query failed: ${JSON.stringify(first.errors)}`);
    const answered = new Set(first.data.plugins.edges.map((e) => e.node.endpoint)).size;
    await sims.clear();
    for (let i = 0; i < COUNTED; i++) await gql<FleetAnswer>(pg.url, FLEET_READ);
    const callsPerRequest = (await sims.count('hss')) / COUNTED;
    const target: Target = {
      name: `plugin-graph, ${n} HSS endpoints`,
      url: pg.url,
      method: 'POST',
      path: '/graphql',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query: FLEET_READ }),
    };
    const latency = await fixedRate(target, FLEET_RATE, RATE_S);
    return {
      endpoints: n,
      callsPerRequest,
      answered,
      failures: first.data.plugins.failures.length,
      latency,
    };
  } finally {
    await pg.stop();
  }
}

/**
 * Scenario 6 (issue 15): `plugins(backend: HSS)` over 1 HSS endpoint and over FLEET_ENDPOINTS,
 * each its own plugin-graph process from an endpoints file, one after the other on the same
 * simulator. Counts the HSS calls a request costs and its latency at FLEET_RATE (open loop).
 */
export async function measureFleet(sims: Sims): Promise<FleetRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'pg-bench-fleet-'));
  try {
    const rows: FleetRow[] = [];
    for (const n of [1, FLEET_ENDPOINTS]) rows.push(await measureOne(sims, dir, n));
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function reportFleet(out: Out, rows: readonly FleetRow[]): void {
  const [one, many] = rows as [FleetRow, FleetRow];
  out(`## 6. Fleet: \`plugins\` across ${many.endpoints} HSS endpoints vs 1`);
  out();
  out('Two plugin-graph processes, one after the other, configured by an endpoints file of 1');
  out(
    `and of ${many.endpoints} HSS endpoints, all on the one HSS simulator (it serves one project`,
  );
  out('id, so the endpoints differ by name; each is its own client, pool and breaker). Query:');
  out(`\`${FLEET_READ}\`.`);
  out(`Calls: HSS requests per GraphQL request over ${COUNTED} sequential requests. Latency: open`);
  out(`loop at ${FLEET_RATE} req/s for ${RATE_S} s after 1 s of warm-up.`);
  out();
  out(
    '| endpoints | HSS calls per request | endpoints answering | failures | p50 ms | p99 ms | sent | failed |',
  );
  out('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    out(
      `| ${r.endpoints} | ${fmt(r.callsPerRequest, 2)} | ${r.answered} | ${r.failures} | ${fmt(r.latency.p50, 2)} | ${fmt(r.latency.p99, 2)} | ${r.latency.sent} | ${r.latency.failed} |`,
    );
  }
  out();
  out(`| ${many.endpoints} vs 1 | ratio |`);
  out('| --- | ---: |');
  out(`| HSS calls per request | ${ratio(many.callsPerRequest, one.callsPerRequest)} |`);
  out(`| p50 latency | ${ratio(many.latency.p50, one.latency.p50)} |`);
  out(`| p99 latency | ${ratio(many.latency.p99, one.latency.p99)} |`);
  out();
  const n = many.endpoints;
  out(`No goal is set (issue 15 fixes none). The calls ratio is ${n}× by design: each endpoint is`);
  out('asked once per request and nothing is shared between them (in a real fleet each is its own');
  out('project or region, so no answer could stand in for another). The latency');
  out(
    `ratio shows the fan-out runs concurrently: a list asks ${ENDPOINT_CONCURRENCY} endpoints at once`,
  );
  out(
    `(\`ENDPOINT_CONCURRENCY\`), so ${n} endpoints cost ${Math.ceil(n / ENDPOINT_CONCURRENCY)} rounds of calls, not ${n}; one`,
  );
  out(`endpoint after another would put the ratio near ${n}×. What remains above 1× is the one`);
  out(
    `simulator doing ${n} times the work on the same cores, and ${n} lists merged and serialized.`,
  );
  out();
}

/** BENCH_ONLY=fleet, the quick loop: scenario 6 printed, RESULTS.md untouched. */
export async function fleetLoop(sims: Sims): Promise<void> {
  const rows = await measureFleet(sims);
  await sims.stop();
  const lines: string[] = [];
  reportFleet((l = '') => lines.push(l), rows);
  log('');
  log(lines.join('\n'));
}
