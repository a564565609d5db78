import { printSubgraphSchema } from '@apollo/subgraph';
import { isAbstractType, lexicographicSortSchema } from 'graphql';
import { buildSchema } from './index.ts';

/** The committed `schema.graphql`: subgraph SDL (federation directives kept), sorted. */
export function printSchemaFile(): string {
  return `${printSubgraphSchema(lexicographicSortSchema(buildSchema())).trim()}\n`;
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
