import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../src/backends/simulator/free-port.ts';
import type { SimInfo } from '../sim.ts';
import { type Proc, start } from './processes.ts';
import { NODE_FLAGS, POLL_INTERVAL_MS, SUBSCRIBERS } from './settings.ts';
import { startNodeFlags } from './start-flags.ts';

/** A measured GraphQL server in its own process, and where it listens. */
export type Server = Proc & { readonly url: string };

/** Where a plugin-graph server comes from: a checkout of the repository, and node flags added. */
export interface Checkout {
  /** Its root (a git worktree with node_modules; bench/ab.ts); '.' is this one. */
  readonly dir: string;
  readonly flags: readonly string[];
}

/** This checkout's probe, preloaded into any checkout's server by absolute path. */
const HEAP_PROBE = fileURLToPath(new URL('../heap-probe.ts', import.meta.url));

/** `extra` overrides the defaults; an `undefined` value leaves that variable out altogether. */
type EnvOverrides = Readonly<Record<string, string | undefined>>;

function pluginGraphEnv(info: SimInfo, port: number, extra: EnvOverrides = {}) {
  const env: Record<string, string | undefined> = {
    PORT: String(port),
    HSS_URL: info.hss.url,
    HSS_PROJECT_ID: info.hss.projectId,
    HSS_AUTH_TOKEN: info.hss.token,
    APPLIANCE_URL: info.appliance.url,
    APPLIANCE_USERNAME: info.appliance.username,
    APPLIANCE_PASSWORD: info.appliance.password,
    PLUGIN_GRAPH_AUTH: 'none',
    LOG_LEVEL: 'warn',
    TASK_POLL_INTERVAL_MS: String(POLL_INTERVAL_MS),
    // Auth off: every subscriber is the one anonymous caller, which the fan-out makes 1,000 times.
    MAX_SUBSCRIPTIONS_PER_CALLER: String(SUBSCRIBERS),
    ...extra,
  };
  return Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined),
  );
}

/**
 * The real server (src/server.ts, as `npm start`: its node flags too), with the heap probe
 * preloaded. Its SQLite store is in a temp data dir of its own (removed at stop): never ./data,
 * never shared.
 */
export async function startPluginGraph(
  info: SimInfo,
  extra: EnvOverrides = {},
  from: Checkout = { dir: '.', flags: [] },
) {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'plugin-graph-bench-'));
  const proc = await start(
    'src/server.ts',
    pluginGraphEnv(info, port, { PLUGIN_GRAPH_DATA_DIR: dataDir, ...extra }),
    // LOG_LEVEL=warn hides the start-up line: ready once /healthz answers.
    () =>
      fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.ok,
        () => false,
      ),
    [
      ...startNodeFlags(join(from.dir, 'package.json')),
      ...from.flags,
      '--expose-gc',
      '--import',
      HEAP_PROBE,
      ...NODE_FLAGS,
    ],
    from.dir,
  );
  return {
    ...proc,
    port,
    url: `http://127.0.0.1:${port}`,
    async stop() {
      await proc.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A baseline server (bench/bare-yoga.ts, bench/apollo.ts) over the HSS simulator. */
export async function startBaseline(
  entry: string,
  hss: SimInfo['hss'],
  extra: Readonly<Record<string, string>> = {},
): Promise<Server> {
  const port = await freePort();
  const proc = await start(
    entry,
    {
      PORT: String(port),
      HSS_URL: hss.url,
      HSS_PROJECT_ID: hss.projectId,
      HSS_AUTH_TOKEN: hss.token,
      ...extra,
    },
    (out) => out.includes('listening'),
    NODE_FLAGS,
  );
  return { ...proc, url: `http://127.0.0.1:${port}` };
}
