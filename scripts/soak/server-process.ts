import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { startNodeFlags } from '../../bench/harness/start-flags.ts';
import { freePort } from '../../src/backends/simulator/free-port.ts';
import { type LiveHeapSample, parseFullGc } from './memory-check.ts';
import { OPERATOR, VIEWER } from './settings.ts';

/** The real server (`src/server.ts`) in its own process, with `--trace-gc` for the memory check. */
export interface ServerProcess {
  readonly child: ChildProcess;
  readonly url: string;
  /** The last 20,000 characters it wrote (GC trace lines left out), for a failure report. */
  output(): string;
  /** Live heap after each full GC, in order. */
  readonly liveHeap: readonly LiveHeapSample[];
  /** Whether it exited before it was asked to. */
  died(): boolean;
  readonly exited: Promise<unknown[]>;
  /** From now on an exit is the one asked for (unless it had already died). */
  expectExit(): void;
}

export async function startServerProcess(
  backendEnvironment: Record<string, string>,
  redisUrl: string | undefined,
): Promise<ServerProcess> {
  const port = await freePort();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    PORT: String(port),
    LOG_LEVEL: 'warn',
    PLUGIN_GRAPH_TOKENS: `${OPERATOR}=operator,${VIEWER}=viewer`,
    BACKEND_TIMEOUT_MS: '1000',
    BACKEND_BREAKER_COOLDOWN_MS: '1000',
    TASK_POLL_INTERVAL_MS: '100',
    TASK_TRACKING_GRACE_MS: '5000',
    // Finished tasks are forgotten after 20 s (production: a day), so the store reaches its
    // steady size within the warm-up; each task is checked until terminal while it is kept.
    TASK_TTL_SECONDS: '20',
    ...(redisUrl && { REDIS_URL: redisUrl, REDIS_TIMEOUT_MS: '500' }),
    ...backendEnvironment,
  };
  const child: ChildProcess = spawn(
    process.execPath,
    [...startNodeFlags(), '--trace-gc', '--import', 'tsx', 'src/server.ts'],
    {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-20_000);
  };
  const liveHeap: LiveHeapSample[] = [];
  let partial = '';
  child.stdout?.on('data', (d: Buffer) => {
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const gc = parseFullGc(line);
      if (gc) liveHeap.push(gc);
      else if (!line.includes('Scavenge')) keep(Buffer.from(`${line}\n`));
    }
  });
  child.stderr?.on('data', keep);
  let died = false;
  let expectedExit = false;
  const exited = once(child, 'exit');
  void exited.then(() => {
    if (!expectedExit) died = true;
  });
  for (const until = Date.now() + 20_000; ; ) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (died || Date.now() > until) throw new Error(`server did not start:\n${output}`);
    await sleep(100);
  }
  return {
    child,
    url: `http://127.0.0.1:${port}/graphql`,
    output: () => output,
    liveHeap,
    died: () => died,
    exited,
    expectExit: () => {
      expectedExit = !died;
    },
  };
}
