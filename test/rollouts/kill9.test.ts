import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hssFleet } from '../../src/backends/hss/fixtures.ts';
import { type HssSimulator, startHssSimulator } from '../../src/backends/hss/simulator.ts';
import type { GraphQLResponse } from '../helpers/runtime.ts';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { type RolloutResult, START_ROLLOUT, starts, stepStarted } from './helpers.ts';

/**
 * Issue 29: `kill -9` of the real server (its own process, as `npm start` runs it) mid-rollout
 * on a SQLite data dir; the restarted server goes on and each unit's vendor call reaches the
 * simulator (in this process, on loopback) exactly once.
 */
const ROLLOUT = `query($id: ID!) {
  rollout(id: $id) { status units(first: 10) { edges { node { status task { id status } } } } }
}`;
interface RolloutRead {
  rollout: {
    status: string;
    units: { edges: { node: { status: string; task: { id: string; status: string } | null } }[] };
  } | null;
}

function env(sim: HssSimulator, dataDir: string): Record<string, string> {
  const hss = sim.config();
  if (hss.auth.mode !== 'aksk') throw new Error('expected AK/SK');
  return {
    PLUGIN_GRAPH_AUTH: 'none',
    PLUGIN_GRAPH_DATA_DIR: dataDir,
    LOG_LEVEL: 'info', // startServerProcess waits for the start-up line
    TASK_POLL_INTERVAL_MS: '50',
    BACKEND_TIMEOUT_MS: '1000',
    HSS_URL: hss.url,
    HSS_PROJECT_ID: hss.projectId,
    HSS_ACCESS_KEY: hss.auth.accessKey,
    HSS_SECRET_KEY: hss.auth.secretKey,
  };
}

async function gql<T>(server: ServerProcess, query: string, variables?: Record<string, unknown>) {
  const res = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as GraphQLResponse<T>;
}

const servers: ServerProcess[] = [];
const closing: { close(): Promise<void> }[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.proc.kill('SIGKILL');
    await s.exited;
  }
  for (const c of closing.splice(0)) await c.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('a rollout across kill -9 of the real server (SQLite data dir)', () => {
  it('the restarted server finishes it, each unit sent exactly once', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rollout-kill9-'));
    dirs.push(dataDir);
    // A long HSS step: a unit runs at the vendor until the test completes it (sim.step()).
    const sim = await startHssSimulator({ stepMs: 3_600_000, fixtures: hssFleet(3) });
    closing.push(sim);
    const first = await startServerProcess(env(sim, dataDir));
    servers.push(first);
    const res = await gql<RolloutResult>(first, START_ROLLOUT, {
      input: { action: { startPlugin: { pluginCode: 'ndr' } }, hostsPerUnit: 1 },
    });
    const id = res.data?.startRollout.rollout?.id as string;
    expect(res.data?.startRollout.rollout?.status, JSON.stringify(res)).toBe('RUNNING');
    // The first unit sent and its vendor task recorded: the server is killed mid-rollout.
    await waitFor(async () => {
      const r = await gql<RolloutRead>(first, ROLLOUT, { id });
      return r.data?.rollout?.units.edges[0]?.node.task?.status === 'RUNNING' || undefined;
    }, "the first unit's task RUNNING");
    expect(starts(sim)).toBe(1);
    first.proc.kill('SIGKILL');
    await first.exited;
    servers.splice(servers.indexOf(first), 1);

    const second = await startServerProcess(env(sim, dataDir));
    servers.push(second);
    for (let sent = 1; sent <= 3; sent++) await stepStarted(sim, sent);
    const done = await waitFor(
      async () => {
        const r = await gql<RolloutRead>(second, ROLLOUT, { id });
        return r.data?.rollout?.status === 'SUCCEEDED' ? r.data.rollout : undefined;
      },
      'the rollout to end SUCCEEDED on the restarted server',
      { seen: () => second.output() },
    );
    expect(done.units.edges.map((e) => e.node.status)).toEqual([
      'SUCCEEDED',
      'SUCCEEDED',
      'SUCCEEDED',
    ]);
    expect(starts(sim)).toBe(3);
  });
});
