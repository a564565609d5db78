import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ApplianceSimulator,
  startApplianceSimulator,
} from '../../src/backends/appliance/simulator.ts';
import { type HssSimulator, startHssSimulator } from '../../src/backends/hss/simulator.ts';
import type { HssConfig } from '../../src/config/index.ts';
import { loadConfig } from '../../src/config/index.ts';
import { createRuntime, type Runtime } from '../../src/runtime.ts';

/**
 * The "expired session" fault for HSS in IAM-token mode: the 24 h token is not ours to renew.
 * The field says BACKEND_AUTH_FAILED, the rest of the response still resolves, and the process
 * serves on; with the operator's renewed HSS_AUTH_TOKEN the next start answers again.
 */

const QUERY = `{ hss: plugins(backend: HSS, first: 3) { edges { node { id } } }
  appliance: updates { version } }`;

interface Result {
  data?: { hss?: { edges: unknown[] } | null; appliance?: unknown[] | null } | null;
  errors?: { path?: (string | number)[]; extensions?: { code?: string } }[];
}

let hss: HssSimulator | undefined;
let appliance: ApplianceSimulator | undefined;
const runtimes: Runtime[] = [];
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((r) => r.close()));
  await hss?.close();
  await appliance?.close();
});

function runtimeWith(hssConfig: HssConfig): Runtime {
  const runtime = createRuntime(
    {
      ...loadConfig({ PLUGIN_GRAPH_DEMO: '1' }),
      demo: false,
      backends: { hss: hssConfig, appliance: appliance!.config() },
      backendTimeoutMs: 1_000,
    },
    pino({ level: 'silent' }),
  );
  runtimes.push(runtime);
  return runtime;
}

async function gql(runtime: Runtime): Promise<Result> {
  const res = await runtime.app.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: QUERY }),
  });
  return (await res.json()) as Result;
}

describe('HSS IAM token expiry', () => {
  it('is BACKEND_AUTH_FAILED on the HSS field only; a renewed token answers again', async () => {
    hss = await startHssSimulator({ stepMs: 0 });
    appliance = await startApplianceSimulator();
    const config = hss.tokenConfig();
    const runtime = runtimeWith(config);
    expect((await gql(runtime)).errors).toBeUndefined();

    hss.expireToken();
    // A runtime of its own with the same token: reading HSS, where the first one answers from
    // its inventory snapshot (src/inventory/) until the snapshot's next refresh.
    const expired = await gql(runtimeWith(config));
    const errors = (expired.errors ?? []).filter((e) => e.path?.[0] === 'hss');
    expect(errors.map((e) => e.extensions?.code)).toEqual(['BACKEND_AUTH_FAILED']);
    expect(expired.data?.appliance).toBeTruthy();
    expect((await runtime.app.fetch('http://localhost/healthz')).status).toBe(200);

    hss.renewToken();
    const renewed = await gql(runtimeWith(hss.tokenConfig()));
    expect(renewed.errors).toBeUndefined();
    expect(renewed.data?.hss?.edges.length).toBeGreaterThan(0);
  });
});
