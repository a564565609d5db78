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
  readonly port: number;
  stop(): Promise<void>;
  /** Starts it again on the same port, after `stop()` (empty unless persisted: `dir`). */
  start(): Promise<void>;
  /** SIGSTOP: connections stay open, nothing answers (a hung Redis). */
  pause(): void;
  /** SIGCONT after `pause()`. */
  resume(): void;
}

export interface RedisServerOptions {
  /** Default: a free loopback port. */
  readonly port?: number;
  /** Persist every write (append-only file here), so that a restart keeps the data. Default: none. */
  readonly dir?: string;
  /** More `redis-server` arguments: `--requirepass`, `--user` (ACL users). */
  readonly args?: readonly string[];
}

/** A throw-away redis-server on a free loopback port (or `port`). */
export async function startRedis(options: RedisServerOptions = {}): Promise<RedisServer> {
  const port = options.port ?? (await freePort());
  const persistence = [
    ...(options.dir
      ? ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', options.dir]
      : ['--appendonly', 'no']),
    ...(options.args ?? []),
  ];
  let proc = await spawnRedis(port, persistence);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = once(proc, 'exit');
      proc.kill('SIGCONT'); // a paused server would not act on SIGTERM
      proc.kill('SIGTERM');
      await exited;
    },
    async start() {
      if (proc.exitCode === null && proc.signalCode === null) throw new Error('still running');
      proc = await spawnRedis(port, persistence);
    },
    pause: () => void proc.kill('SIGSTOP'),
    resume: () => void proc.kill('SIGCONT'),
  };
}

async function spawnRedis(port: number, persistence: readonly string[]): Promise<ChildProcess> {
  const proc: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence],
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
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), 10_000);
    timer.unref();
  });
  try {
    await Promise.race([ready, timeout]);
  } finally {
    clearTimeout(timer);
  }
  return proc;
}
