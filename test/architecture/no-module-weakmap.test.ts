import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * lint/no-module-weakmap.grit, the Biome plugin biome.json applies to src/: on Node 20 a
 * long-lived WeakMap keeps its entries through scavenges, so one keyed by requests pushed every
 * request's objects into the old generation (bench/PROFILING.md). These tests run Biome as
 * `npm run lint` does, so they fail when the plugin stops being applied as well as when a
 * module-level WeakMap comes back.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const BIOME = join(ROOT, 'node_modules/.bin/biome');

/** Paths of the plugin's diagnostics for `target`, linted in `cwd` with the config found there. */
function pluginFindings(cwd: string, target: string, extra: string[] = []): string[] {
  const run = spawnSync(
    BIOME,
    ['lint', '--only=plugin', '--reporter=json', '--max-diagnostics=none', ...extra, target],
    { cwd, encoding: 'utf8' },
  );
  const report = JSON.parse(run.stdout) as {
    diagnostics: { category: string; location: { path: string } }[];
  };
  return report.diagnostics
    .filter((d) => d.category === 'plugin')
    .map((d) => d.location.path)
    .sort();
}

describe('no module-level WeakMap in src/', () => {
  it('src/ has none', () => {
    expect(pluginFindings(ROOT, 'src')).toEqual([]);
  });

  it('flags one created at module level, not one created per call or per instance', () => {
    // The project's own biome.json and plugin, beside fixture files under src/ and test/.
    const dir = mkdtempSync(join(tmpdir(), 'no-module-weakmap-'));
    try {
      cpSync(join(ROOT, 'biome.json'), join(dir, 'biome.json'));
      cpSync(join(ROOT, 'lint'), join(dir, 'lint'), { recursive: true });
      const files: Record<string, string> = {
        'src/leak.ts': 'export const byRequest = new WeakMap<object, string[]>();\n',
        'src/leak-in-object.ts': 'export const caches = { byRequest: new WeakMap() };\n',
        'src/per-call.ts':
          'export function fresh() {\n  return new WeakMap<object, string>();\n}\n' +
          'export const make = () => new WeakMap<object, string>();\n' +
          'export class Owner {\n  readonly byKey = new WeakMap<object, string>();\n}\n',
        'test/outside-src.ts': 'export const fixture = new WeakMap<object, string>();\n',
      };
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), text);
      }
      // No git repository in the temporary folder: the config's VCS settings cannot apply there.
      expect(pluginFindings(dir, '.', ['--vcs-enabled=false'])).toEqual([
        'src/leak-in-object.ts',
        'src/leak.ts',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
