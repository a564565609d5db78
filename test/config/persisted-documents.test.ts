import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.ts';
import { documentCheck } from '../../src/guards/trusted-documents.ts';
import { buildSchema } from '../../src/schema/index.ts';
import { CODEGEN_MANIFEST, RELAY_MANIFEST } from '../persisted/helpers.ts';

/**
 * Issue 28: PLUGIN_GRAPH_TRUSTED_DOCUMENTS and PLUGIN_GRAPH_TRUSTED_ONLY at start-up. A manifest
 * that cannot be read, is not a map of strings, or holds a document that does not validate
 * against the schema is a problem listed with the others, and the server exits 1.
 */

const check = documentCheck(buildSchema);

function problems(env: Record<string, string>): readonly string[] {
  try {
    loadConfig({ PLUGIN_GRAPH_DEMO: '1', ...env }, { checkDocument: check });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

function file(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'pg-trusted-'));
  writeFileSync(join(dir, name), text);
  return join(dir, name);
}

const manifestOf = (path: string) => ({ PLUGIN_GRAPH_TRUSTED_DOCUMENTS: path });

describe('PLUGIN_GRAPH_TRUSTED_DOCUMENTS', () => {
  it('reads a GraphQL Codegen and a Relay manifest; off by default', () => {
    for (const path of [CODEGEN_MANIFEST, RELAY_MANIFEST]) {
      const config = loadConfig(
        { PLUGIN_GRAPH_DEMO: '1', ...manifestOf(path), PLUGIN_GRAPH_TRUSTED_ONLY: '1' },
        { checkDocument: check },
      );
      expect(config.trustedOnly).toBe(true);
      expect(config.trustedDocuments?.byId.size).toBeGreaterThanOrEqual(3);
      expect(config.trustedDocuments?.texts.size).toBe(config.trustedDocuments?.byId.size);
    }
    const plain = loadConfig({ PLUGIN_GRAPH_DEMO: '1' });
    expect({ documents: plain.trustedDocuments, only: plain.trustedOnly }).toEqual({
      documents: undefined,
      only: false,
    });
  });

  it('lists what is wrong with the manifest', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pg-trusted-dir-'));
    mkdirSync(join(dir, 'sub'));
    const cases: [string, string][] = [
      [join(dir, 'missing.json'), `cannot read ${join(dir, 'missing.json')}`],
      [join(dir, 'sub'), 'is not a regular file (a directory)'],
      [file('a.json', '{ "x": '), 'is not JSON'],
      [
        file('b.json', '["{ __typename }"]'),
        'is not a JSON object of "<id>": "<document>" strings',
      ],
      [file('c.json', '{ "ok": "{ __typename }", "n": 1 }'), '(entry "n")'],
      [file('d.json', '{}'), 'holds no document'],
      [
        file('e.json', '{ "bad": "{ noSuchField }", "ok": "{ __typename }" }'),
        'document "bad": Cannot query field "noSuchField" on type "Query".',
      ],
      [file('f.json', '{ "cut": "{ updates {" }'), 'document "cut": Syntax Error'],
    ];
    for (const [path, problem] of cases) {
      const listed = problems(manifestOf(path));
      expect(listed, path).toHaveLength(1);
      expect(listed[0], path).toContain('PLUGIN_GRAPH_TRUSTED_DOCUMENTS: ');
      expect(listed[0], path).toContain(problem);
    }
  });

  it('lists ten invalid documents by id, then counts the rest', () => {
    const entries = Object.fromEntries(
      Array.from({ length: 13 }, (_, i) => [`doc${i}`, `{ missing${i} }`]),
    );
    const listed = problems(manifestOf(file('many.json', JSON.stringify(entries))));
    expect(listed).toHaveLength(11);
    expect(listed[10]).toBe('PLUGIN_GRAPH_TRUSTED_DOCUMENTS: and 3 more invalid documents');
  });

  it('PLUGIN_GRAPH_TRUSTED_ONLY=1 needs a manifest; it is 1 or 0', () => {
    expect(problems({ PLUGIN_GRAPH_TRUSTED_ONLY: '1' })).toEqual([
      'PLUGIN_GRAPH_TRUSTED_ONLY=1 needs PLUGIN_GRAPH_TRUSTED_DOCUMENTS (the documents to allow)',
    ]);
    expect(problems({ PLUGIN_GRAPH_TRUSTED_ONLY: 'yes' })).toEqual([
      expect.stringContaining('PLUGIN_GRAPH_TRUSTED_ONLY: '),
    ]);
  });

  it('the server exits 1 listing a manifest problem beside the others', async () => {
    const path = file('bad.json', '{ "stale": "query Old { removedField }" }');
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      env: {
        PATH: process.env.PATH ?? '',
        // Refused too: demo mode forbidden with no backend configured.
        PLUGIN_GRAPH_DEMO: '0',
        PLUGIN_GRAPH_TRUSTED_DOCUMENTS: path,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(stderr).toContain(
      'PLUGIN_GRAPH_TRUSTED_DOCUMENTS: document "stale": Cannot query field "removedField" on type "Query".',
    );
    expect(stderr).toContain('PLUGIN_GRAPH_DEMO=0 but no backend is configured');
    // A process start (tsx, the schema built): slow on a loaded machine.
  }, 60_000);
});
