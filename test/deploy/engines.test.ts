import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * `npm ci` on this Node prints no EBADENGINE warning (issue 28): graphql-yoga 5.24's
 * dependencies once pulled @whatwg-node/promise-helpers 2 and friends, which declare Node ≥ 22.15
 * (180 warning lines); package.json's `overrides` pin them below (docs/deploy.md). A dry run of
 * the committed lock file, dev dependencies included, judges every package's `engines` as the
 * real install does, without downloading or installing anything (an empty cache, offline).
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'plugin-graph-engines-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm ci', () => {
  it('prints no EBADENGINE warning for any package of the lock file', async () => {
    for (const file of ['package.json', 'package-lock.json'])
      copyFileSync(join(ROOT, file), join(dir, file));
    const child = spawn(
      'npm',
      ['ci', '--dry-run', '--offline', '--no-audit', '--no-fund', '--cache', join(dir, 'cache')],
      { cwd: dir },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    const [code] = (await once(child, 'close')) as [number | null];
    expect(code, output).toBe(0);
    // The dry run did judge the tree: it lists what it would add.
    expect(output).toMatch(/^add graphql-yoga /m);
    const warned = [...output.matchAll(/EBADENGINE\s+package: '([^']+)'/g)].map((m) => m[1]);
    expect(warned).toEqual([]);
  }, 120_000);
});
