import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { type DocumentNode, Kind, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildSchema } from '../src/schema/index.ts';

/**
 * README.md and docs/ are what people copy from (issue 13.7, 27.5): every GraphQL example in them
 * must run. Each ```graphql block is parsed, and each of its operations (with the block's
 * fragments) is validated against the schema, so a block may list several examples. Inline code
 * that is a whole operation (`query …{`, `subscription(…) {`) is held to the same rule.
 *
 * And they must lead somewhere: every relative link names a file of this repository (and a
 * heading of it, after `#`), every path they cite in code (`src/…`, `test/…`) exists, and none
 * cites a document a reader of this repository does not have (the product specification's
 * sections, the vendor API notes).
 */

const ROOT = resolve(import.meta.dirname, '..');

interface Page {
  /** Relative to the repository: `README.md`, `docs/security.md`. */
  readonly path: string;
  readonly text: string;
}

const pages: Page[] = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
].map((path) => ({ path, text: readFileSync(join(ROOT, path), 'utf8') }));

const README = pages[0] as Page;

// Fenced blocks may be indented (inside a list item).
const FENCED_GRAPHQL = /^[ \t]*```graphql\n([\s\S]*?)^[ \t]*```$/gm;
const FENCED_ANY = /^[ \t]*```[\s\S]*?^[ \t]*```$/gm;
const INLINE_OPERATION = /`((?:query|mutation|subscription)\b[^`]*\{[^`]*)`/g;

const examples = pages.flatMap((page) =>
  [
    ...[...page.text.matchAll(FENCED_GRAPHQL)].map((m) => m[1] ?? ''),
    ...[...page.text.matchAll(INLINE_OPERATION)].map((m) => m[1] ?? ''),
  ].map((source) => ({ page: page.path, first: source.trim().split('\n')[0], source })),
);

/** One document per operation of `source`, each with every fragment of `source`. */
function operations(source: string): DocumentNode[] {
  const { definitions } = parse(source);
  const fragments = definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION);
  return definitions
    .filter((d) => d.kind === Kind.OPERATION_DEFINITION)
    .map((op) => ({ kind: Kind.DOCUMENT, definitions: [op, ...fragments] }));
}

/** The page without its fenced blocks: links and headings in code are neither. */
const prose = (page: Page) => page.text.replace(FENCED_ANY, '');

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as dashes. */
function anchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchorsOf(text: string): Set<string> {
  return new Set(
    [...text.replace(FENCED_ANY, '').matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => anchor(m[1] ?? '')),
  );
}

/** Every `[text](target)` that is no URL: [page, target]. */
const links = pages.flatMap((page) =>
  [...prose(page).matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1] ?? '')
    .filter((target) => !/^[a-z][a-z+.-]*:/i.test(target))
    .map((target) => [page.path, target] as const),
);

/** Repository paths cited as code: `src/http/sse.ts`, `test/faults/`; patterns left out. */
const citedPaths = pages.flatMap((page) =>
  [...page.text.matchAll(/`((?:src|test|bench|scripts|lint|docs)\/[^`\s]*)`/g)]
    .map((m) => m[1] ?? '')
    .filter((path) => !/[<>{}*…|]/.test(path))
    .map((path) => [page.path, path] as const),
);

describe('README.md and docs/', () => {
  const schema = buildSchema();

  it('have GraphQL examples to check, in README.md and in docs/', () => {
    expect(examples.filter((e) => e.page === 'README.md').length).toBeGreaterThan(0);
    expect(examples.filter((e) => e.page.startsWith('docs/')).length).toBeGreaterThan(0);
  });

  it.each(examples.map((e) => [e.page, e.first, e.source]))(
    'validate against the schema: %s, %s',
    (_page, _first, source) => {
      const documents = operations(source);
      expect(documents.length).toBeGreaterThan(0);
      for (const document of documents) {
        expect(validate(schema, document).map((e) => e.message)).toEqual([]);
      }
    },
  );

  it('README.md points at no file outside the repository', () => {
    expect(README.text.match(/\.\.\/[\w./-]+/g) ?? []).toEqual([]);
  });

  it('README.md stays under 250 lines: the rest is in docs/', () => {
    expect(README.text.split('\n').length).toBeLessThan(250);
  });

  it('has links to check', () => {
    expect(links.length).toBeGreaterThan(0);
    expect(citedPaths.length).toBeGreaterThan(0);
  });

  it.each(links)('%s links to an existing file and heading: %s', (from, target) => {
    const [file = '', fragment] = target.split('#');
    const path = file === '' ? join(ROOT, from) : resolve(ROOT, dirname(from), file);
    expect(relative(ROOT, path).startsWith('..'), 'inside the repository').toBe(false);
    expect(existsSync(path), `${target} exists`).toBe(true);
    if (fragment !== undefined && path.endsWith('.md'))
      expect([...anchorsOf(readFileSync(path, 'utf8'))]).toContain(fragment);
  });

  it.each(citedPaths)('%s cites a path that exists: %s', (_from, path) => {
    expect(existsSync(join(ROOT, path))).toBe(true);
  });

  it.each(pages.map((page) => [page.path, page.text]))(
    '%s cites no document a reader does not have',
    (_path, text) => {
      expect(text.match(/SPEC\s*§\s*\d+|vendor-apis\.md/g) ?? []).toEqual([]);
    },
  );
});
