import { startApplianceSimulator } from '../src/backends/appliance/simulator.ts';
import { startHssSimulator } from '../src/backends/hss/simulator.ts';

/**
 * The backends of `npm run bench`, in their own process: the HSS simulator (IAM token mode, so a
 * load generator can send a fixed X-Auth-Token) and an appliance simulator whose install runs
 * long enough to watch its task. Prints one JSON line with the configs; answers request counts
 * over IPC.
 */

const hss = await startHssSimulator({ auth: 'token' });
const appliance = await startApplianceSimulator({ installMs: 600_000 });

export interface SimInfo {
  readonly hss: { url: string; projectId: string; token: string };
  readonly appliance: { url: string; username: string; password: string };
}

export type SimQuery =
  | {
      readonly id: number;
      readonly op: 'count';
      readonly sim: 'hss' | 'appliance';
      readonly path?: string;
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
};
process.send?.({ ready: info });

process.on('message', (q: SimQuery) => {
  if (q.op === 'clear') {
    hss.server.clearLog();
    appliance.server.clearLog();
    process.send?.({ id: q.id, value: 0 });
    return;
  }
  const server = q.sim === 'hss' ? hss.server : appliance.server;
  const value = server.count(q.path === undefined ? {} : { path: new RegExp(q.path) });
  process.send?.({ id: q.id, value });
});
process.on('disconnect', () => {
  void Promise.all([hss.close(), appliance.close()]).then(() => process.exit(0));
});
