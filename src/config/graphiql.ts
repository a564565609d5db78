import { flag } from './fields.ts';

/**
 * PLUGIN_GRAPH_GRAPHIQL (SPEC §2): whether a browser's GET of /graphql gets GraphiQL
 * (src/http/graphiql.ts). On by default in every mode, demo or not: the page holds no data and
 * runs with the caller's own token, as any client would. Off, that GET gets what any other GET
 * without a query gets (GraphQL over HTTP's answer), for a deployment that wants no browser
 * surface at all.
 */
export const graphiqlVariables = {
  PLUGIN_GRAPH_GRAPHIQL: flag(true).describe(
    'false stops serving GraphiQL: a browser GET of /graphql then gets the GraphQL-over-HTTP answer to a GET without a query',
  ),
};
