import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * Issue 25.6 as `npm start` meets it: each file the configuration names that is a device or a
 * FIFO, and a URL holding credentials, is a listed problem; the process exits 1 and prints no
 * stack. Before, /dev/zero grew the process without end, a FIFO hung start-up without a word,
 * and a vendor URL with credentials crashed with an uncaught TypeError.
 */

let child: ChildProcess | undefined;
afterEach(() => {
  // Exited already when the test passed; still reading /dev/zero or a FIFO when it did not.
  child?.kill('SIGKILL');
  child = undefined;
});

/** src/server.ts run with only `env` (and PATH) until it exits: its code and everything printed. */
async function exitOf(env: Record<string, string>): Promise<{ code: number; output: string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child = proc;
  let output = '';
  proc.stdout.on('data', (d: Buffer) => {
    output += d.toString();
  });
  proc.stderr.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const [code] = (await once(proc, 'exit')) as [number];
  return { code, output };
}

function folder(): string {
  return mkdtempSync(join(tmpdir(), 'pg-bounded-'));
}

function fifo(path: string): string {
  execFileSync('mkfifo', [path]);
  return path;
}

/** Lines of a JavaScript stack trace (`    at main (…)`). */
const STACK = /^\s+at /m;

// Each test starts a server process (tsx compiles it): seconds on two busy cores.
describe('a server whose configuration names what cannot be read in bounds', {
  timeout: 60_000,
}, () => {
  it('exits 1 listing a vendor URL with credentials, without a stack', async () => {
    const { code, output } = await exitOf({
      HSS_URL: 'https://ak:sk-in-url@hss.example/',
      HSS_PROJECT_ID: 'p',
      HSS_AUTH_TOKEN: 't',
      PLUGIN_GRAPH_AUTH: 'none',
    });
    expect(code).toBe(1);
    expect(output).toContain(
      "  - HSS_URL: must not hold credentials (user:password@): give them in the backend's own settings",
    );
    expect(output).not.toMatch(STACK);
    expect(output).not.toContain('sk-in-url');
  });

  it('exits 1 listing secrets read from /dev/zero and a FIFO, in X_FILE and in the endpoints file', async () => {
    const dir = folder();
    const pipe = fifo(join(dir, 'secret-pipe'));
    writeFileSync(
      join(dir, 'endpoints.yaml'),
      `endpoints:
  - { name: dr, backend: appliance, url: "https://dr:5480", username: u, password: { file: /dev/zero } }
  - { name: hss-eu, backend: hss, url: "https://hss.eu", projectId: p, authToken: { file: secret-pipe } }
`,
    );
    const { code, output } = await exitOf({
      SDM_URL: 'https://sdm.example:8443/rest',
      SDM_USERNAME: 'u',
      SDM_PASSWORD_FILE: '/dev/zero',
      PLUGIN_GRAPH_ENDPOINTS_FILE: join(dir, 'endpoints.yaml'),
      PLUGIN_GRAPH_AUTH: 'none',
    });
    expect(code).toBe(1);
    for (const problem of [
      'SDM_PASSWORD_FILE: /dev/zero is not a regular file (a character device)',
      'endpoints[dr].password: file /dev/zero is not a regular file (a character device)',
      `endpoints[hss-eu].authToken: file ${pipe} is not a regular file (a FIFO)`,
    ])
      expect(output).toContain(`  - ${problem}\n`);
    expect(output).not.toMatch(STACK);
  });

  it('exits 1 listing an endpoints file and a token file that are FIFOs', async () => {
    const dir = folder();
    const endpoints = fifo(join(dir, 'endpoints.yaml'));
    const tokens = fifo(join(dir, 'tokens'));
    const { code, output } = await exitOf({
      PLUGIN_GRAPH_ENDPOINTS_FILE: endpoints,
      PLUGIN_GRAPH_TOKENS_FILE: tokens,
    });
    expect(code).toBe(1);
    expect(output).toContain(
      `  - PLUGIN_GRAPH_TOKENS_FILE: ${tokens} is not a regular file (a FIFO)\n`,
    );
    expect(output).toContain(
      `  - PLUGIN_GRAPH_ENDPOINTS_FILE: ${endpoints} is not a regular file (a FIFO)\n`,
    );
    expect(output).not.toMatch(STACK);
  });
});
