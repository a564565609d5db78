import { printSubgraphSchema } from '@apollo/subgraph';
import { lexicographicSortSchema } from 'graphql';
import { buildSchema } from './index.ts';

/** The committed `schema.graphql`: subgraph SDL (federation directives kept), sorted. */
export function printSchemaFile(): string {
  return `${printSubgraphSchema(lexicographicSortSchema(buildSchema())).trim()}\n`;
}
