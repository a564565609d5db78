import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startNodeFlags } from '../../bench/harness/start-flags.ts';

/** The start script's flags are what the bench measures plugin-graph with (bench/harness/servers.ts). */
describe('npm start node flags', () => {
  it('keeps the young-generation floor behind the p99 figure (bench/PROFILING.md)', () => {
    expect(startNodeFlags()).toEqual(['--min-semi-space-size=16']);
  });

  it('reads every flag before the entry, without the tsx loader the bench adds itself', () => {
    const dir = mkdtempSync(join(tmpdir(), 'start-flags-'));
    const pkg = join(dir, 'package.json');
    writeFileSync(
      pkg,
      JSON.stringify({ scripts: { start: 'node --a=1 --import tsx --b src/server.ts --c' } }),
    );
    expect(startNodeFlags(pkg)).toEqual(['--a=1', '--b']);
  });

  it('reads no flags from the tsx start script of older checkouts (bench/ab.ts)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'start-flags-'));
    const pkg = join(dir, 'package.json');
    writeFileSync(pkg, JSON.stringify({ scripts: { start: 'tsx src/server.ts' } }));
    expect(startNodeFlags(pkg)).toEqual([]);
  });

  it('refuses any other start script, rather than measuring without its flags', () => {
    const dir = mkdtempSync(join(tmpdir(), 'start-flags-'));
    const pkg = join(dir, 'package.json');
    writeFileSync(pkg, JSON.stringify({ scripts: { start: 'bun src/server.ts' } }));
    expect(() => startNodeFlags(pkg)).toThrow(/not a node command/);
  });
});
