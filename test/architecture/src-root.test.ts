import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * src/'s root holds only the wiring (docs/architecture.md): server.ts (the process), runtime.ts
 * (everything a running server holds), app.ts (the Yoga app), and at most two more. Anything
 * else has a folder of its own, where the import graph can hold it to its place
 * (import-cycles.test.ts: no cycle among the folders, the root counted as one).
 */
const SRC = resolve(import.meta.dirname, '../../src');
const MAX_ROOT_FILES = 5;

describe("src/'s root", () => {
  it(`holds at most ${MAX_ROOT_FILES} files, the wiring among them`, () => {
    const files = readdirSync(SRC, { withFileTypes: true })
      .filter((entry) => !entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    expect(files).toEqual(expect.arrayContaining(['app.ts', 'runtime.ts', 'server.ts']));
    expect(files.length, files.join(', ')).toBeLessThanOrEqual(MAX_ROOT_FILES);
  });
});
