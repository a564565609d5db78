import { startApplianceSimulator } from '../src/backends/appliance/simulator.ts';
import { hssScaledFleet } from '../src/backends/hss/fixtures-scaled.ts';
import { startHssSimulator } from '../src/backends/hss/simulator.ts';
import { sdmScaledFleet } from '../src/backends/sdm/fixtures-scaled.ts';
import { startSdmSimulator } from '../src/backends/sdm/simulator.ts';
import { addPageLatency } from '../src/backends/simulator/scale.ts';
import type { SimRequest } from '../src/backends/simulator/server.ts';
import { simulatorScaleFromEnv } from '../src/config/simulator-scale.ts';
import { isHssPage, isSdmPage } from '../src/demo/fleet.ts';

/**
 * The backends of `npm run bench`, in their own process: the HSS simulator (IAM token mode, so a
 * load generator can send a fixed X-Auth-Token), an appliance simulator whose install runs
 * long enough to watch its task, and an SDM simulator (only the cost-growth scenario points a
 * server at it). SIMULATOR_SCALE (as in demo mode) gives HSS and SDM a generated fleet;
 * BENCH_SIM_STEP_MS sets how long their start/stop and plug-in action steps take (default
 * 1000), so tasks stay live as long as a scenario needs. Prints one JSON line with the configs;
 * answers request counts over IPC.
 */

const scale = simulatorScaleFromEnv();
const stepMs = Number(process.env.BENCH_SIM_STEP_MS ?? 1_000);
const hss = await startHssSimulator({
  auth: 'token',
  stepMs,
  ...(scale ? { fixtures: hssScaledFleet(scale) } : {}),
});
const appliance = await startApplianceSimulator({ installMs: 600_000 });
const sdm = await startSdmSimulator({
  stepMs,
  ...(scale ? { fixtures: sdmScaledFleet(scale) } : {}),
});
if (scale) {
  addPageLatency(hss.server, scale.pageLatencyMs, isHssPage);
  addPageLatency(sdm.server, scale.pageLatencyMs, isSdmPage);
}

export interface SimInfo {
  readonly hss: { url: string; projectId: string; token: string };
  readonly appliance: { url: string; username: string; password: string };
  readonly sdm: { url: string; username: string; password: string };
}

export type SimName = 'hss' | 'appliance' | 'sdm';

export type SimQuery =
  | {
      readonly id: number;
      readonly op: 'count';
      readonly sim: SimName;
      readonly path?: string;
    }
  | {
      readonly id: number;
      /** Vendor reads: GET requests on `path` that start a list (no offset or offset 0). */
      readonly op: 'reads';
      readonly sim: SimName;
      readonly path: string;
      /** Only those whose query has these parameters (`plugin_status: starting`: task polls). */
      readonly where?: Readonly<Record<string, string>>;
    }
  | { readonly id: number; readonly op: 'clear' };

const tokenConfig = hss.tokenConfig();
const info: SimInfo = {
  hss: {
    url: hss.url,
    projectId: tokenConfig.projectId,
    token: tokenConfig.auth.mode === 'token' ? tokenConfig.auth.token : '',
  },
  appliance: {
    url: appliance.url,
    username: appliance.config().username,
    password: appliance.config().password,
  },
  sdm: { url: sdm.url, username: sdm.config().username, password: sdm.config().password },
};
const servers = { hss: hss.server, appliance: appliance.server, sdm: sdm.server };

/**
 * One read is one list asked for, however many pages it walks: its first page (no offset, or 0)
 * counts, the pages after it do not. A one-row list (`limit=1`) is SDM's health check, not a read.
 * From the request log (the last 10,000 requests: a window of the cost scenario holds far fewer).
 */
function readsIn(
  requests: readonly SimRequest[],
  path: RegExp,
  where: Readonly<Record<string, string>> = {},
): number {
  return requests.filter(
    (r) =>
      r.method === 'GET' &&
      path.test(r.path) &&
      Object.entries(where).every(([k, v]) => r.query.get(k) === v) &&
      Number(r.query.get('offset') ?? 0) === 0 &&
      r.query.get('limit') !== '1',
  ).length;
}
process.send?.({ ready: info });

process.on('message', (q: SimQuery) => {
  if (q.op === 'clear') {
    for (const server of Object.values(servers)) server.clearLog();
    process.send?.({ id: q.id, value: 0 });
    return;
  }
  const server = servers[q.sim];
  const value =
    q.op === 'reads'
      ? readsIn(server.requests, new RegExp(q.path), q.where)
      : server.count(q.path === undefined ? {} : { path: new RegExp(q.path) });
  process.send?.({ id: q.id, value });
});
process.on('disconnect', () => {
  void Promise.all([hss.close(), appliance.close(), sdm.close()]).then(() => process.exit(0));
});
