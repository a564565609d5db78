import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/backends/simulator/free-port.ts';
import { waitFor } from './wait-for.ts';

export { freePort };

export interface ServerProcess {
  readonly proc: ChildProcess;
  readonly port: number;
  readonly url: string;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Resolves with the exit code once the process has exited. */
  readonly exited: Promise<number | null>;
}

/** Another way to start the server than `npm start`'s (test/deploy: the compiled output). */
export interface ServerCommand {
  /** node's arguments; default `--import tsx src/server.ts`. */
  readonly args?: readonly string[];
  /** Its working directory; default this one. */
  readonly cwd?: string;
}

/**
 * `src/server.ts` as `npm start` runs it, in its own process with only `env` (plus PATH and
 * PORT=0: the system picks a free port as it binds, so two suites never race for one); resolves
 * once it logs the GraphiQL URL (with PLUGIN_GRAPH_GRAPHIQL=false, the GraphQL URL), i.e.
 * listens, with the port it names. Without PLUGIN_GRAPH_DATA_DIR in `env` it gets a fresh temp
 * dir of its own (removed once it exits), so the default `./data` is never written by the suite
 * nor shared by two servers.
 */
export async function startServerProcess(
  env: Record<string, string>,
  timeoutMs = 20_000,
  command: ServerCommand = {},
): Promise<ServerProcess> {
  const ownDataDir =
    env.PLUGIN_GRAPH_DATA_DIR === undefined
      ? mkdtempSync(join(tmpdir(), 'plugin-graph-data-'))
      : undefined;
  const args = command.args ?? ['--import', 'tsx', 'src/server.ts'];
  const proc = spawn(process.execPath, args, {
    ...(command.cwd !== undefined && { cwd: command.cwd }),
    env: {
      PATH: process.env.PATH ?? '',
      PORT: '0',
      ...(ownDataDir !== undefined && { PLUGIN_GRAPH_DATA_DIR: ownDataDir }),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  proc.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const exited = once(proc, 'exit').then(([code]) => {
    if (ownDataDir !== undefined) rmSync(ownDataDir, { recursive: true, force: true });
    return code as number | null;
  });
  const port = await waitFor(
    () => {
      if (proc.exitCode !== null) throw new Error(`server did not start:\n${output}`);
      const listening = /Graph(?:iQL|QL) on http:\/\/[^:]+:(\d+)\//.exec(output)?.[1];
      return listening === undefined ? undefined : Number(listening);
    },
    'the server to log its GraphiQL address',
    { withinMs: timeoutMs, everyMs: 25, seen: () => output },
  );
  return { proc, port, url: `http://127.0.0.1:${port}/graphql`, output: () => output, exited };
}
