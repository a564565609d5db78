import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ApplianceSimulator,
  startApplianceSimulator,
} from '../../src/backends/appliance/simulator.ts';
import { startServerProcess } from '../helpers/server-process.ts';
import { waitFor } from '../helpers/wait-for.ts';

let sim: ApplianceSimulator | undefined;
let proc: ChildProcess | undefined;
afterEach(async () => {
  proc?.kill('SIGKILL');
  await sim?.close();
});

describe('server process', () => {
  it('SIGTERM with a request in flight: the request completes, the process logs out and exits 0', async () => {
    sim = await startApplianceSimulator();
    const started = await startServerProcess({
      APPLIANCE_URL: sim.url,
      APPLIANCE_USERNAME: sim.config().username,
      APPLIANCE_PASSWORD: sim.config().password,
      PLUGIN_GRAPH_AUTH: 'none',
      LOG_LEVEL: 'debug',
    });
    proc = started.proc;
    // The appliance is slow to retrieve updates: the request is in flight when SIGTERM arrives.
    sim.server.inject(
      { kind: 'latency', ms: 700 },
      { match: (r) => r.path.endsWith('/retrieve-updates') },
    );
    const request = fetch(started.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ updates { version } }' }),
    });
    await waitFor(
      () => sim!.server.count({ path: /retrieve-updates$/ }) > 0,
      'the request to reach the appliance',
    );
    const exited = once(proc, 'exit');
    proc.kill('SIGTERM');

    const res = await request;
    const body = (await res.json()) as { data?: { updates: { version: string }[] } };
    expect(body.data?.updates.map((u) => u.version)).toContain('9.0.3.0');
    const [code] = await exited;
    expect(code).toBe(0);
    expect(sim.server.count({ method: 'DELETE', path: '/session' })).toBe(1);
    expect(sim.sessions.size).toBe(0);
    // No password, Basic credentials or session id in any log line.
    const logs = started.output();
    expect(logs).toContain('drained');
    expect(logs).not.toContain(sim.config().password);
    for (const r of sim.server.requests) {
      if (r.headers.authorization) expect(logs).not.toContain(r.headers.authorization);
      const session = r.headers['x-dr-session'];
      if (typeof session === 'string') expect(logs).not.toContain(session);
    }
  });

  it('exits 1 listing every configuration problem', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      env: { PATH: process.env.PATH ?? '', APPLIANCE_URL: 'http://127.0.0.1:1', PORT: 'x' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(stderr).toContain('PORT');
  });
});
