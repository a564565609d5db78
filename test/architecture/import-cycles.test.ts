import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The import graph of src/ (docs/architecture.md): no cycle between files, none between src/'s
 * top-level folders either (each folder's files import lower folders only, so a folder can be
 * read, tested and changed without the ones above it), and the transport (src/http/) and
 * operations (src/ops/) folders import nothing from src/'s root, where the app is wired.
 *
 * Every relative `import … from`, `export … from` and side-effect `import '…'` counts, type-only
 * imports included: they create no runtime cycle, but a cycle of types still ties two files
 * together, which is what the layout is meant to prevent. (TypeScript 7's package has no
 * JavaScript compiler API, hence a scanner: statements start a line, comments are skipped.)
 *
 * The packages each file imports are read the same way, so that src/backends/ can be held to
 * having nothing to do with GraphQL, not even through a file of tasks/ or of the root.
 */

const SRC = resolve(import.meta.dirname, '../../src');

/** `import`/`export` statements that name a module, each at the start of a line. */
const FROM = /^[ \t]*(?:import|export)\b[^'";]*?\bfrom\s*['"]([^'"]+)['"]/gm;
const SIDE_EFFECT = /^[ \t]*import\s*['"]([^'"]+)['"]/gm;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Block and line comments blanked, so a commented-out import is not an edge. */
function withoutComments(text: string): string {
  return text.replace(/^[ \t]*\/\*[\s\S]*?\*\//gm, '').replace(/^[ \t]*\/\/.*$/gm, '');
}

/** What one src file imports: src files (relative to src/) and packages (`node:` ones left out). */
interface FileImports {
  readonly files: string[];
  readonly packages: string[];
}

/** Each src file (relative to src/) with what it imports. */
function scanImports(): Map<string, FileImports> {
  const scanned = new Map<string, FileImports>();
  for (const file of sourceFiles(SRC)) {
    const text = withoutComments(readFileSync(file, 'utf8'));
    const targets = new Set<string>();
    const packages = new Set<string>();
    for (const pattern of [FROM, SIDE_EFFECT]) {
      for (const match of text.matchAll(pattern)) {
        const specifier = match[1];
        if (specifier?.startsWith('.')) targets.add(resolve(dirname(file), specifier));
        else if (specifier && !specifier.startsWith('node:')) packages.add(specifier);
      }
    }
    scanned.set(relative(SRC, file), {
      files: [...targets].map((target) => relative(SRC, target)),
      packages: [...packages],
    });
  }
  return scanned;
}

/** Each src file (relative to src/) with the src files it imports. */
function importGraph(): Map<string, string[]> {
  return new Map([...scanImports()].map(([file, imports]) => [file, imports.files]));
}

/** graphql itself and whatever builds on it: its servers, transports, Pothos, Envelop, Apollo. */
function isGraphqlPackage(specifier: string): boolean {
  return specifier.includes('graphql') || /^@(?:pothos|envelop|apollo)\//.test(specifier);
}

/**
 * For each file of `from`, the first GraphQL package it reaches through its imports, with the
 * way there: `backends/a.ts -> tasks/b.ts: graphql-yoga`. Breadth first, so the way is a short one.
 */
function graphqlReached(scanned: Map<string, FileImports>, from: string[]): string[] {
  return from.flatMap((start) => {
    const way = new Map<string, string[]>([[start, [start]]]);
    const queue = [start];
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
      const imports = scanned.get(file);
      const graphql = imports?.packages.find(isGraphqlPackage);
      if (graphql) return [`${way.get(file)?.join(' -> ')}: ${graphql}`];
      for (const next of imports?.files ?? []) {
        if (way.has(next)) continue;
        way.set(next, [...(way.get(file) ?? []), next]);
        queue.push(next);
      }
    }
    return [];
  });
}

/** Every elementary cycle found by a depth-first walk, each once, as `a.ts -> b.ts -> a.ts`. */
function cycles(graph: Map<string, string[]>): string[] {
  const found = new Set<string>();
  const done = new Set<string>();
  const path: string[] = [];
  const onPath = new Set<string>();
  const visit = (file: string) => {
    path.push(file);
    onPath.add(file);
    for (const next of graph.get(file) ?? []) {
      if (onPath.has(next)) {
        const loop = path.slice(path.indexOf(next));
        // Rotated to start at its smallest name, so one cycle is reported once.
        const start = loop.indexOf([...loop].sort()[0] ?? next);
        const rotated = [...loop.slice(start), ...loop.slice(0, start)];
        found.add([...rotated, rotated[0]].join(' -> '));
      } else if (!done.has(next) && graph.has(next)) {
        visit(next);
      }
    }
    path.pop();
    onPath.delete(file);
    done.add(file);
  };
  for (const file of [...graph.keys()].sort()) if (!done.has(file)) visit(file);
  return [...found].sort();
}

/** A src file's top-level folder: `tasks/redis.ts` is in `tasks`, a root file in `(root)`. */
function folderOf(file: string): string {
  const slash = file.indexOf('/');
  return slash === -1 ? '(root)' : file.slice(0, slash);
}

/** The files' graph seen from above: folder -> the other folders its files import. */
function folderGraph(graph: Map<string, string[]>): Map<string, string[]> {
  const folders = new Map<string, Set<string>>();
  for (const [file, targets] of graph) {
    const from = folderOf(file);
    const imported = folders.get(from) ?? new Set<string>();
    folders.set(from, imported);
    for (const target of targets) if (folderOf(target) !== from) imported.add(folderOf(target));
  }
  return new Map([...folders].map(([folder, imported]) => [folder, [...imported].sort()]));
}

/** A folder cycle with, for each of its steps, the first file import that makes it. */
function withImports(cycle: string, graph: Map<string, string[]>): string {
  const folders = cycle.split(' -> ');
  const steps = folders.slice(1).map((to, i) => {
    const from = folders[i];
    for (const [file, targets] of [...graph].sort(([a], [b]) => a.localeCompare(b))) {
      const target = folderOf(file) === from && targets.find((t) => folderOf(t) === to);
      if (target) return `${file} -> ${target}`;
    }
    return `${from} -> ${to}`;
  });
  return `${cycle} (${steps.join('; ')})`;
}

describe('the import graph of src/', () => {
  const graph = importGraph();

  it('reads the files and their relative imports', () => {
    expect(graph.size).toBeGreaterThan(50);
    expect(graph.get('server.ts')).toContain('runtime.ts');
    // A multi-line `import type { … } from` is an edge too.
    expect(graph.get('runtime.ts')).toContain('config/index.ts');
  });

  it('has no import cycle', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('has no import cycle among src/\'s top-level folders (root files count as one, "(root)")', () => {
    const folders = folderGraph(graph);
    // The walk sees the folders and the root: app.ts builds the schema.
    expect(folders.size).toBeGreaterThan(10);
    expect(folders.get('(root)')).toContain('schema');
    // A cycle made of imports between files that are no file cycle is found, and named.
    const sample = new Map([
      ['app.ts', ['tasks/a.ts']],
      ['tasks/a.ts', ['audit/b.ts']],
      ['audit/b.ts', ['tasks/c.ts']],
      ['tasks/c.ts', []],
    ]);
    expect(cycles(folderGraph(sample)).map((cycle) => withImports(cycle, sample))).toEqual([
      'audit -> tasks -> audit (audit/b.ts -> tasks/c.ts; tasks/a.ts -> audit/b.ts)',
    ]);
    expect(cycles(folders).map((cycle) => withImports(cycle, graph))).toEqual([]);
  });

  it('src/http/ and src/ops/ import nothing from src/ root (the app is passed in)', () => {
    const upward = [...graph]
      .filter(([file]) => file.startsWith('http/') || file.startsWith('ops/'))
      .flatMap(([file, targets]) =>
        targets.filter((target) => !target.includes('/')).map((target) => `${file} -> ${target}`),
      );
    expect(upward).toEqual([]);
  });

  it('src/backends/ imports no module that (through any file) imports GraphQL', () => {
    const scanned = scanImports();
    // The scanner sees packages: the schema builder is Pothos.
    expect(scanned.get('schema/builder.ts')?.packages).toContain('@pothos/core');
    const backends = [...scanned.keys()].filter((file) => file.startsWith('backends/'));
    expect(backends.length).toBeGreaterThan(20);
    expect(graphqlReached(scanned, backends)).toEqual([]);
  });
});
