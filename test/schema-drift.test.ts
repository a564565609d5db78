import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { printSchemaFile } from '../src/schema/print.ts';

describe('schema.graphql', () => {
  it('is what `npm run schema` prints from the Pothos builder (run it and commit when this fails)', () => {
    const committed = readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8');
    expect(committed).toBe(printSchemaFile());
  });

  it('keeps the federation directives and the SPEC names', () => {
    const sdl = printSchemaFile();
    expect(sdl).toContain('@link(url: "https://specs.apollo.dev/federation/v2.6"');
    expect(sdl).toMatch(/type Task implements Node\s+@key\(fields: "id"\)/);
    expect(sdl).toMatch(/union InstallUpdateResult = /);
    expect(sdl).toMatch(/interface Error \{/);
  });
});
