import { readFileSync } from 'node:fs';
import { type DocumentNode, Kind, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildSchema } from '../src/schema/index.ts';

/**
 * README.md is what people copy from (issue 13.7): every GraphQL example in it must run. Each
 * ```graphql block is parsed, and each of its operations (with the block's fragments) is
 * validated against the schema, so a block may list several examples. Inline code that is a whole
 * operation (`query …{`, `subscription(…) {`) is held to the same rule.
 */

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

// Fenced blocks may be indented (inside a list item).
const blocks = [...README.matchAll(/^[ \t]*```graphql\n([\s\S]*?)^[ \t]*```$/gm)].map(
  (m) => m[1] ?? '',
);
const inline = [...README.matchAll(/`((?:query|mutation|subscription)\b[^`]*\{[^`]*)`/g)].map(
  (m) => m[1] ?? '',
);

/** One document per operation of `source`, each with every fragment of `source`. */
function operations(source: string): DocumentNode[] {
  const { definitions } = parse(source);
  const fragments = definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION);
  return definitions
    .filter((d) => d.kind === Kind.OPERATION_DEFINITION)
    .map((op) => ({ kind: Kind.DOCUMENT, definitions: [op, ...fragments] }));
}

describe('README.md', () => {
  const schema = buildSchema();

  it('has GraphQL examples to check', () => {
    expect(blocks.length).toBeGreaterThan(0);
  });

  it.each([...blocks, ...inline].map((source) => [source.trim().split('\n')[0], source]))(
    'validates against the schema: %s',
    (_first, source) => {
      const documents = operations(source);
      expect(documents.length).toBeGreaterThan(0);
      for (const document of documents) {
        expect(validate(schema, document).map((e) => e.message)).toEqual([]);
      }
    },
  );

  it('points at no file outside the repository', () => {
    expect(README.match(/\.\.\/[\w./-]+/g) ?? []).toEqual([]);
  });
});
