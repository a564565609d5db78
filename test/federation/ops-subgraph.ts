import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { createYoga } from 'graphql-yoga';

/**
 * A foreign subgraph for the Hive Gateway test: it rates plugins (a field of its own on
 * plugin-graph's `Plugin`) and lists installations by id only, so the gateway has to resolve
 * them through plugin-graph's `_entities`.
 */
export const OPS_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key"])

  type Plugin @key(fields: "id") {
    id: ID!
    rating: Int!
  }

  type Installation @key(fields: "id") {
    id: ID!
  }

  type Query {
    recentInstallations: [Installation!]!
  }
`;

export interface OpsData {
  readonly ratings: ReadonlyMap<string, number>;
  /** Installation global ids, in the order `recentInstallations` lists them. */
  readonly installations: readonly string[];
}

export function opsSubgraph(data: OpsData) {
  const schema = buildSubgraphSchema({
    typeDefs: parse(OPS_SDL),
    resolvers: {
      Query: { recentInstallations: () => data.installations.map((id) => ({ id })) },
      Plugin: {
        __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
        rating: (p: { id: string }) => data.ratings.get(p.id) ?? 0,
      },
      Installation: { __resolveReference: (ref: { id: string }) => ({ id: ref.id }) },
    },
  });
  return createYoga({ schema, graphqlEndpoint: '/graphql', logging: false, maskedErrors: false });
}
