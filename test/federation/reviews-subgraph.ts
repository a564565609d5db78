import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { createYoga } from 'graphql-yoga';

/**
 * A second, foreign subgraph for federation tests: it extends plugin-graph's `Plugin` entity
 * with a `rating` of its own and lists some plugins by id only.
 */
export const REVIEWS_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key"])

  type Plugin @key(fields: "id") {
    id: ID!
    rating: Int!
  }

  type Query {
    topRatedPlugins: [Plugin!]!
  }
`;

export function reviewsSubgraph(ratings: ReadonlyMap<string, number>) {
  const schema = buildSubgraphSchema({
    typeDefs: parse(REVIEWS_SDL),
    resolvers: {
      Query: { topRatedPlugins: () => [...ratings.keys()].map((id) => ({ id })) },
      Plugin: {
        __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
        rating: (p: { id: string }) => ratings.get(p.id) ?? 0,
      },
    },
  });
  return createYoga({ schema, graphqlEndpoint: '/graphql', logging: false, maskedErrors: false });
}
