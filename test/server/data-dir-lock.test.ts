import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApplianceSimulator,
  startApplianceSimulator,
} from '../../src/backends/appliance/simulator.ts';
import { DATABASE_FILE } from '../../src/store/sqlite.ts';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.ts';
import { waitFor } from '../helpers/wait-for.ts';

/**
 * One server per data dir, as long as it lives: also once its database file was deleted (the
 * second one would start on an empty store beside it, and whatever the first still wrote would
 * be lost at its next restart).
 */
describe('the data dir lock of the real server', () => {
  let appliance: ApplianceSimulator;
  const servers: ServerProcess[] = [];
  const dirs: string[] = [];
  beforeAll(async () => {
    appliance = await startApplianceSimulator({ installMs: 100 });
  });
  afterEach(async () => {
    for (const server of servers.splice(0)) {
      if (server.proc.exitCode !== null) continue;
      server.proc.kill('SIGKILL');
      await server.exited;
    }
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  afterAll(() => appliance?.close());

  const env = (dataDir: string) => {
    const config = appliance.config();
    return {
      PLUGIN_GRAPH_AUTH: 'none',
      PLUGIN_GRAPH_DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      APPLIANCE_URL: config.url,
      APPLIANCE_USERNAME: config.username,
      APPLIANCE_PASSWORD: config.password,
    };
  };
  const dataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'plugin-graph-lock-'));
    dirs.push(dir);
    return dir;
  };

  /**
   * Runs src/server.ts until it exits (it must refuse to start): its exit code and output. One
   * that starts listening instead is killed, and answers `started`.
   */
  async function refusedStart(environment: Record<string, string>) {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      env: { PATH: process.env.PATH ?? '', PORT: '0', ...environment },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = once(child, 'exit');
    let output = '';
    let started = false;
    const read = (d: Buffer) => {
      output += d.toString();
      if (!started && output.includes('GraphiQL on')) {
        started = true;
        child.kill('SIGKILL');
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    const [code] = await exited;
    return { code: started ? 'started' : (code as number | null), output };
  }

  it('a second server is refused while the first lives, also after its database file was deleted', async () => {
    const dir = dataDir();
    const first = await startServerProcess(env(dir));
    servers.push(first);

    const whileIntact = await refusedStart(env(dir));
    expect(whileIntact.code).toBe(1);
    expect(whileIntact.output).toContain(`PLUGIN_GRAPH_DATA_DIR ${dir} cannot hold the task store`);
    expect(whileIntact.output).toContain('in use by another plugin-graph process');

    unlinkSync(join(dir, DATABASE_FILE));
    const afterDelete = await refusedStart(env(dir));
    expect(afterDelete.code).toBe(1);
    expect(afterDelete.output).toContain('in use by another plugin-graph process');
    expect(afterDelete.output).not.toContain('GraphiQL on');
    // The refused server created no database beside the first one's lost file.
    expect(existsSync(join(dir, DATABASE_FILE))).toBe(false);

    // The first says it cannot do its job, and has logged why.
    const base = first.url.replace(/\/graphql$/, '');
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({
      failing: [{ store: 'sqlite', code: 'DATA_FILE_GONE' }],
    });
    const errorLines = () =>
      first
        .output()
        .split('\n')
        .filter((l) => l.includes('"level":50') && l.includes('DATA_FILE_GONE'));
    // Through a pipe: the line may come in after the answer.
    await waitFor(async () => errorLines().length > 0, 'the DATA_FILE_GONE error line');
    await fetch(`${base}/readyz`);
    expect(errorLines()).toHaveLength(1);

    // The lock goes with its holder, kill -9 included: the next server starts there.
    first.proc.kill('SIGKILL');
    await first.exited;
    const next = await startServerProcess(env(dir));
    servers.push(next);
    const nextReady = await fetch(`${next.url.replace(/\/graphql$/, '')}/readyz`);
    expect(nextReady.status).toBe(200);
  }, 90_000);
});
