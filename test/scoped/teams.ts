import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HssSimulator } from '../../src/backends/hss/simulator.ts';
import { startHssSimulator } from '../../src/backends/hss/simulator.ts';
import type { PolicyConfig } from '../../src/config/index.ts';
import { hssFileEndpoint } from '../helpers/hss-fleet.ts';
import { startTestRuntime, type TestRuntime } from '../helpers/runtime.ts';

/** Two teams over two HSS regions, each a real simulator; a viewer sees both. */
export const EU_OP = 'eu-team-operator-token-1a2b';
export const US_OP = 'us-team-operator-token-3c4d';
export const VIEWER = 'fleet-viewer-token-5e6f';
/** A viewer token whose user the policy makes an operator of hss-eu. */
export const EU_LEAD = 'eu-lead-viewer-token-7a8b';

export const POLICY: PolicyConfig = {
  grants: [
    { subjects: ['user:eu-op'], role: 'operator', endpoints: ['hss-eu'] },
    { subjects: ['user:us-op'], role: 'operator', endpoints: ['hss-us'] },
    // The US team may watch the EU region, not change it.
    { subjects: ['user:us-op'], role: 'viewer', endpoints: ['hss-eu'] },
    { subjects: ['role:viewer'], role: 'viewer', endpoints: ['hss-*'] },
    { subjects: ['user:eu-lead'], role: 'operator', endpoints: ['hss-eu'] },
  ],
};

let t: TestRuntime | undefined;
const sims: HssSimulator[] = [];
const dirs: string[] = [];
/** Closes the runtime and the simulators `start` opened (each test's afterEach). */
export async function closeTeams(): Promise<void> {
  await t?.close();
  t = undefined;
  await Promise.all(sims.splice(0).map((s) => s.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** The stores a test runs on: memory, or SQLite in a fresh data dir. */
export type Stores = 'memory' | 'sqlite';

export async function start(given: PolicyConfig | null = POLICY, stores: Stores = 'memory') {
  const policy = given ?? undefined;
  const dataDir = stores === 'sqlite' ? mkdtempSync(join(tmpdir(), 'pg-scoped-')) : undefined;
  if (dataDir) dirs.push(dataDir);
  const eu = await startHssSimulator({ stepMs: 0 });
  const us = await startHssSimulator({ stepMs: 0 });
  sims.push(eu, us);
  t = await startTestRuntime({
    config: {
      backends: {},
      endpoints: [hssFileEndpoint('hss-eu', eu, 0), hssFileEndpoint('hss-us', us, 1)],
      auth: {
        mode: 'tokens',
        tokens: new Map([
          [EU_OP, { role: 'operator', name: 'eu-op' }],
          [US_OP, { role: 'operator', name: 'us-op' }],
          [VIEWER, { role: 'viewer', name: 'watcher' }],
          [EU_LEAD, { role: 'viewer', name: 'eu-lead' }],
        ]),
      },
      policy,
      ...(dataDir && { dataDir }),
    },
  });
  return { t, eu, us };
}

export const ONLINE_STOPPED = '0b3c6f0e-5a36-4cf3-9d6d-9a0d8e2f4c11';
export const START = `mutation($input: StartPluginInput!) {
  startPlugin(input: $input) {
    __typename
    ... on StartPluginPayload { task { endpoint } }
    ... on Error { code }
  }
}`;
export type Start = { startPlugin: { __typename: string; task?: { endpoint: string } } | null };
export const startOn = (endpoint: string) => ({
  input: { pluginCode: 'ndr', hostIds: [ONLINE_STOPPED], endpoint },
});
export const starts = (sim: HssSimulator) =>
  sim.server.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/start')).length;

/** A subscription over SSE as the caller holding `token`: the whole stream's text, unchanged. */
export async function sseAs(
  t: TestRuntime,
  token: string,
  query: string,
  variables: Record<string, unknown>,
): Promise<string> {
  const res = await t.runtime.app.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      authorization: `Bearer ${token}`,
    },
    body: JSON.stringify({ query, variables }),
  });
  return res.text();
}
