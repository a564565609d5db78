import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { freePort } from '../helpers/server-process.ts';

/** Whether Debian's `redis-server` is on this machine (`.ci/run` installs it). */
export const HAVE_REDIS = spawnSync('redis-server', ['--version']).status === 0;
/** Under CI the Redis tests must run: they are skipped only on a developer machine without it. */
export const SKIP_REDIS = !HAVE_REDIS && !process.env.CI;
if (SKIP_REDIS) {
  console.warn(
    'redis-server not found: skipping the scaled-out (Redis) tests; apt-get install -y redis-server to run them',
  );
}

export interface RedisServer {
  readonly url: string;
  stop(): Promise<void>;
}

/** A throw-away redis-server on a free loopback port, no persistence. */
export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const proc: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d.toString();
      if (output.includes('Ready to accept connections')) resolve();
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    proc.once('error', reject);
    proc.once('exit', (code) => reject(new Error(`redis-server exited ${code}:\n${output}`)));
  });
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), 10_000).unref(),
  );
  await Promise.race([ready, timeout]);
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      if (proc.exitCode !== null) return;
      const exited = once(proc, 'exit');
      proc.kill('SIGTERM');
      await exited;
    },
  };
}
