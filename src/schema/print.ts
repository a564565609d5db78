import { printSubgraphSchema } from '@apollo/subgraph';
import {
  buildASTSchema,
  isAbstractType,
  Kind,
  lexicographicSortSchema,
  parse,
  printSchema,
  specifiedDirectives,
  visit,
} from 'graphql';
import { buildSchema } from './index.ts';

/** The committed `schema.graphql`: subgraph SDL (federation directives kept), sorted. */
export function printSchemaFile(): string {
  return `${printSubgraphSchema(lexicographicSortSchema(buildSchema())).trim()}\n`;
}

const specified = new Set(specifiedDirectives.map((d) => d.name));

/**
 * The committed `schema.client.graphql`: `schema.graphql` as a frontend compiler reads it.
 * relay-compiler 21 panics on `extend schema @link(…)` ("SchemaExtension not implemented"), and
 * `@key`/`@shareable` are defined only by that link, so graphql-js's own `buildSchema` (which
 * code generators and IDE plugins use) refuses them as unknown directives. Both are a gateway's
 * business, not a client's: this drops the schema extension and every applied directive that
 * GraphQL itself does not define (`@deprecated`, `@specifiedBy`, `@oneOf` stay). Federation's
 * `_service`, `_entities`, `_Any`, `_Entity` and `_Service` are already left out of
 * `schema.graphql` by `printSubgraphSchema`. Rebuilding through `buildASTSchema` validates the
 * result as a standalone schema every time it is printed.
 */
export function printClientSchemaFile(): string {
  const ast = visit(parse(printSchemaFile()), {
    [Kind.SCHEMA_EXTENSION]: () => null,
    [Kind.DIRECTIVE]: (node) => (specified.has(node.name.value) ? undefined : null),
  });
  const sdl = printSchema(buildASTSchema(ast));
  const header = `# schema.graphql for client compilers (Relay, codegen): federation's link and its directives left out.\n# Written by \`npm run schema\`; docs/clients.md.`;
  return `${header}\n\n${sdl.trim()}\n`;
}

/**
 * The committed `possible-types.json`: every interface and union of `schema.graphql` with its
 * object types, in Apollo Client's `possibleTypes` shape (urql's graphcache reads the same map
 * through `possibleTypes`). Without it a normalized cache cannot match `... on Error` against
 * `ConflictError` and silently drops the fragment's fields. Federation's own `_Entity` is left
 * out, as it is from `schema.graphql`: only a gateway queries `_entities`.
 */
export function printPossibleTypesFile(): string {
  const schema = lexicographicSortSchema(buildSchema());
  const map: Record<string, string[]> = {};
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isAbstractType(type) || type.name.startsWith('_')) continue;
    map[type.name] = schema
      .getPossibleTypes(type)
      .map((t) => t.name)
      .sort();
  }
  return `${JSON.stringify(map, null, 2)}\n`;
}
