import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type HssSimulator, startHssSimulator } from '../../src/backends/hss/simulator.ts';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.ts';

let sim: HssSimulator | undefined;
let other: HssSimulator | undefined;
let server: ServerProcess | undefined;
afterEach(async () => {
  server?.proc.kill('SIGKILL');
  await server?.exited;
  await sim?.close();
  await other?.close();
  server = undefined;
  other = undefined;
});

describe('a server configured by an endpoints file', () => {
  it('serves the HSS endpoint the file lists, its secrets read from { env } and { file }', async () => {
    sim = await startHssSimulator();
    const hss = sim.config();
    if (hss.auth.mode !== 'aksk') throw new Error('the simulator signs with AK/SK');
    const dir = mkdtempSync(join(tmpdir(), 'pg-endpoints-'));
    writeFileSync(join(dir, 'hss-sk'), `${hss.auth.secretKey}\n`);
    writeFileSync(
      join(dir, 'endpoints.yaml'),
      `endpoints:
  - name: hss
    backend: hss
    url: ${hss.url}
    projectId: "${hss.projectId}"
    accessKey: { env: HSS_TEST_AK }
    secretKey: { file: hss-sk }
`,
    );
    server = await startServerProcess({
      PLUGIN_GRAPH_ENDPOINTS_FILE: join(dir, 'endpoints.yaml'),
      HSS_TEST_AK: hss.auth.accessKey,
      PLUGIN_GRAPH_AUTH: 'none',
    });
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query:
          '{ backends { backend configured reachable } plugins(backend: HSS) { edges { node { backend nativeId } } failures { backend } } }',
      }),
    });
    const body = (await res.json()) as {
      data?: {
        backends: { backend: string; configured: boolean; reachable: boolean }[];
        plugins: { edges: { node: { backend: string } }[]; failures: unknown[] };
      };
      errors?: unknown;
    };
    expect(body.errors).toBeUndefined();
    expect(body.data?.backends.filter((b) => b.configured)).toEqual([
      { backend: 'HSS', configured: true, reachable: true },
    ]);
    expect(body.data?.plugins.failures).toEqual([]);
    expect(body.data?.plugins.edges.length).toBeGreaterThan(0);
    expect(body.data?.plugins.edges.every((e) => e.node.backend === 'HSS')).toBe(true);
    // The simulator saw signed calls: the file's AK reached it.
    expect(sim.server.count({ path: /plugins|hosts|agents/ })).toBeGreaterThan(0);
    expect(server.output()).not.toContain(hss.auth.secretKey);
  });

  it('serves two HSS regions the file lists: one `backends` row and one set of items each', async () => {
    sim = await startHssSimulator();
    other = await startHssSimulator();
    const entry = (name: string, s: HssSimulator) => {
      const c = s.config();
      if (c.auth.mode !== 'aksk') throw new Error('the simulator signs with AK/SK');
      return `  - { name: ${name}, backend: hss, url: "${c.url}", projectId: "${c.projectId}", accessKey: "${c.auth.accessKey}", secretKey: "${c.auth.secretKey}" }\n`;
    };
    const dir = mkdtempSync(join(tmpdir(), 'pg-endpoints-'));
    writeFileSync(
      join(dir, 'endpoints.yaml'),
      `endpoints:\n${entry('hss-eu', sim)}${entry('hss-us', other)}`,
    );
    server = await startServerProcess({
      PLUGIN_GRAPH_ENDPOINTS_FILE: join(dir, 'endpoints.yaml'),
      PLUGIN_GRAPH_AUTH: 'none',
    });
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query:
          '{ backends { endpoint configured } plugins(first: 100) { edges { node { endpoint } } failures { endpoint } } }',
      }),
    });
    const body = (await res.json()) as {
      data?: {
        backends: { endpoint: string; configured: boolean }[];
        plugins: { edges: { node: { endpoint: string } }[]; failures: unknown[] };
      };
      errors?: unknown;
    };
    expect(body.errors).toBeUndefined();
    expect(body.data?.backends.filter((b) => b.configured).map((b) => b.endpoint)).toEqual([
      'hss-eu',
      'hss-us',
    ]);
    expect(new Set(body.data?.plugins.edges.map((e) => e.node.endpoint))).toEqual(
      new Set(['hss-eu', 'hss-us']),
    );
    expect(body.data?.plugins.failures).toEqual([]);
    expect(sim.server.requests.length).toBeGreaterThan(0);
    expect(other.server.requests.length).toBeGreaterThan(0);
  });

  it('exits 1 listing every problem of the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pg-endpoints-'));
    writeFileSync(
      join(dir, 'endpoints.yaml'),
      'endpoints:\n  - { name: hss-eu, backend: hss, url: "https://hss", projectId: p, secretKey: { env: HSS_EU_SK } }\n  - { name: hss-eu, backend: hsss }\n',
    );
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      env: {
        PATH: process.env.PATH ?? '',
        PLUGIN_GRAPH_ENDPOINTS_FILE: join(dir, 'endpoints.yaml'),
        PLUGIN_GRAPH_AUTH: 'none',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(stderr).toContain('endpoints[0].secretKey: env HSS_EU_SK is not set');
    expect(stderr).toContain('endpoints[1].name: "hss-eu" is used twice (first at endpoints[0])');
    expect(stderr).toContain('endpoints[1].backend: ');
    expect(stderr).toContain('endpoints[1].url: '); // its backend unknown, its url still checked
  });
});
