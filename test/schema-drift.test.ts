import { readFileSync } from 'node:fs';
import { buildSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  printClientSchemaFile,
  printPossibleTypesFile,
  printSchemaFile,
} from '../src/schema/print.ts';

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

describe('schema.client.graphql', () => {
  const read = () => readFileSync(new URL('../schema.client.graphql', import.meta.url), 'utf8');

  it('is what `npm run schema` prints beside schema.graphql (run it and commit when this fails)', () => {
    expect(read()).toBe(printClientSchemaFile());
  });

  it("is schema.graphql without federation's link and directives, buildable by graphql-js alone", () => {
    const sdl = read();
    expect(sdl).not.toMatch(/extend schema|@link|@key|@shareable|_service|_entities|_Any|_Entity/);
    // What code generators and editors do with a schema file; schema.graphql fails it (@link).
    expect(() => buildSchema(sdl)).not.toThrow();
    expect(() => buildSchema(printSchemaFile())).toThrow(/Unknown directive "@link"/);
    const withoutFederation = (s: string) =>
      s
        .replace(/^(?:#.*\n)+\n/, '')
        .replace(/^extend schema\n {2}@link\(.*\)\n\n/, '')
        .replace(/\n {2}@(?:key\(fields: "id"\)|shareable)\n\{/g, ' {');
    expect(withoutFederation(sdl)).toBe(withoutFederation(printSchemaFile()));
  });
});

describe('possible-types.json', () => {
  const read = () => readFileSync(new URL('../possible-types.json', import.meta.url), 'utf8');

  it('is what `npm run schema` prints beside schema.graphql (run it and commit when this fails)', () => {
    expect(read()).toBe(printPossibleTypesFile());
  });

  it("lists every interface and union of schema.graphql with its members, in Apollo's possibleTypes shape", () => {
    const possibleTypes = JSON.parse(read()) as Record<string, string[]>;
    const sdl = readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8');
    const abstract = [...sdl.matchAll(/^(?:interface|union) (\w+)/gm)].map((m) => m[1]);
    expect(Object.keys(possibleTypes).sort()).toEqual(abstract.sort());
    expect(possibleTypes.Error).toEqual([
      'AlreadyInstalledError',
      'BackendRejectedError',
      'ConflictError',
      'NotFoundError',
      'NotPermittedError',
      'ValidationError',
    ]);
    expect(possibleTypes.Node).toEqual([
      'AuditEntry',
      'Host',
      'Installation',
      'Plugin',
      'Rollout',
      'Task',
      'Update',
    ]);
    const union = sdl.match(/^union InstallUpdateResult = (.+)$/m)?.[1]?.split(' | ') ?? [];
    expect(possibleTypes.InstallUpdateResult).toEqual(union.sort());
  });
});
