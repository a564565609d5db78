import { type ChildProcess, fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../src/backends/simulator/free-port.ts';

/** Every process the bench started, killed when it exits however it exits. */
const children = new Set<ChildProcess>();

export function killChildrenOnExit(): void {
  process.on('exit', () => {
    for (const child of children) child.kill('SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => process.exit(130));
  }
}

export interface Proc {
  readonly child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Forks a TypeScript entry point (through tsx) with IPC; resolves once `ready` says so. */
export async function start(
  entry: string,
  env: Record<string, string>,
  ready: (output: string, messages: readonly unknown[]) => boolean | Promise<boolean>,
  execArgv: string[] = [],
  /** The checkout to run `entry` in (bench/ab.ts); default this one. */
  cwd?: string,
): Promise<Proc> {
  const child = fork(entry, [], {
    ...(cwd === undefined ? {} : { cwd }),
    execArgv: ['--import', 'tsx', ...execArgv],
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  children.add(child);
  let output = '';
  const messages: unknown[] = [];
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const onMessage = (m: unknown) => messages.push(m);
  child.on('message', onMessage);
  const until = Date.now() + 30_000;
  while (!(await ready(output, messages))) {
    if (child.exitCode !== null || Date.now() > until)
      throw new Error(`${entry} did not start:\n${output}`);
    await sleep(25);
  }
  child.off('message', onMessage);
  return {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 12_000);
      await exited;
      clearTimeout(timer);
      children.delete(child);
    },
  };
}

/** A throwaway redis-server on a free port; undefined when it is not installed. */
export async function startRedis(): Promise<{ url: string; stop(): Promise<void> } | undefined> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.add(child);
  const failed = new Promise<undefined>((resolve) => child.on('error', () => resolve(undefined)));
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const ready = (async () => {
    const until = Date.now() + 10_000;
    while (!output.includes('Ready to accept connections')) {
      if (child.exitCode !== null || Date.now() > until) return undefined;
      await sleep(20);
    }
    return {
      url: `redis://127.0.0.1:${port}`,
      async stop() {
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        await exited;
        children.delete(child);
      },
    };
  })();
  return Promise.race([ready, failed]);
}
