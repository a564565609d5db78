import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { configProblems as problems } from '../helpers/config-problems.ts';

/**
 * Issue 28 (small points): a broken endpoints file names each entry by its `name`
 * (`endpoints[hss-ap].url`), by its place only when it has no valid name or shares it; and an
 * entry whose backend is unknown still has what every backend has checked (its `url`, keys no
 * backend knows), so one start-up lists every problem, not one per fix.
 */

const BROKEN = `endpoints:
  - { name: hss-eu, backend: hss, url: "https://hss.eu", projectId: p, authToken: { env: HSS_EU_TOKEN } }
  - { name: hss-ap, backend: hss, url: "not a url", projectId: p, authToken: literal-token-1 }
  - { name: dr-a, backend: vmware, url: "not a url", username: u, password: literal-password-2, colour: blue }
  - { name: dr-b, backend: applianse, username: u }
  - { backend: sdm, url: "https://sdm", username: u, password: p }
  - { name: zs, backend: zstack, url: "http://zs", account: a, password: p }
  - { name: zs, backend: zstack, url: "ftp://zs", account: a, password: p }
`;

const EXPECTED = [
  'endpoints[hss-eu].authToken: env HSS_EU_TOKEN is not set',
  expect.stringMatching(/^endpoints\[hss-ap\]\.url: /),
  expect.stringMatching(/^endpoints\[dr-a\]\.backend: Invalid option/),
  expect.stringMatching(/^endpoints\[dr-a\]\.url: /),
  'endpoints[dr-a].colour: unknown key',
  expect.stringMatching(/^endpoints\[dr-b\]\.backend: Invalid option/),
  expect.stringMatching(/^endpoints\[dr-b\]\.url: /),
  expect.stringMatching(/^endpoints\[4\]\.name: /),
  'endpoints[6].name: "zs" is used twice (first at endpoints[5])',
  expect.stringMatching(/^endpoints\[6\]\.url: /),
];

function file(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'pg-endpoint-names-'));
  writeFileSync(join(dir, 'endpoints.yaml'), text);
  return join(dir, 'endpoints.yaml');
}

describe('problems of an endpoints file', () => {
  it('name each entry by its name, by its place when it has none of its own', () => {
    const list = problems({ PLUGIN_GRAPH_ENDPOINTS_FILE: file(BROKEN), PLUGIN_GRAPH_AUTH: 'none' });
    expect(list).toEqual(EXPECTED);
    expect(list.join('\n')).not.toMatch(/literal-token-1|literal-password-2/);
  });

  it('an entry that is an endpoint points at it by name too (its origin)', () => {
    const config = loadConfig({
      PLUGIN_GRAPH_ENDPOINTS_FILE: file(
        'endpoints:\n  - { name: hss-ap, backend: hss, url: "https://hss.ap", projectId: p, authToken: t }\n',
      ),
      PLUGIN_GRAPH_AUTH: 'none',
    });
    expect(config.endpoints.map((e) => e.origin)).toEqual(['endpoints[hss-ap]']);
  });

  // Generous: a server process started through tsx on two cores shared with other suites.
  it('start-up lists every one of them and exits 1', { timeout: 60_000 }, async () => {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      env: {
        PATH: process.env.PATH ?? '',
        PORT: '0',
        PLUGIN_GRAPH_ENDPOINTS_FILE: file(BROKEN),
        PLUGIN_GRAPH_AUTH: 'none',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    for (const stream of [proc.stdout, proc.stderr])
      stream.on('data', (d: Buffer) => {
        output += d.toString();
      });
    const [code] = await once(proc, 'exit');
    expect(code).toBe(1);
    const listed = output
      .split('\n')
      .filter((line) => line.startsWith('  - '))
      .map((line) => line.slice(4));
    expect(listed).toEqual(EXPECTED);
  });
});
