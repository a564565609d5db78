import SchemaBuilder from '@pothos/core';
import DirectivesPlugin from '@pothos/plugin-directives';
import ErrorsPlugin from '@pothos/plugin-errors';
import FederationPlugin from '@pothos/plugin-federation';
import RelayPlugin from '@pothos/plugin-relay';
import { BackendRejectedError, ConflictError, ValidationError } from '../domain/errors.ts';
import type { Context } from '../resolvers/context.ts';
import { PAGE_SIZE } from './page-size.ts';

/** The builder only: no types here (STYLE: Pothos app layout). */
export const builder = new SchemaBuilder<{
  Context: Context;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    ID: { Input: string; Output: string };
    /** Any JSON value (an audit entry's `arguments`). */
    JSON: { Input: unknown; Output: unknown };
  };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
}>({
  defaultFieldNullability: false,
  plugins: [ErrorsPlugin, DirectivesPlugin, RelayPlugin, FederationPlugin],
  relay: {
    clientMutationId: 'omit',
    brandLoadedObjects: true,
    cursorType: 'String',
    edgesFieldOptions: { nullable: false },
    nodeFieldOptions: { nullable: false },
    pageInfoTypeOptions: { shareable: true },
    // Every connection's paging arguments, as GraphiQL's docs pane and codegen show them.
    firstArgOptions: {
      description: `How many items after \`after\` (or from the start): default ${PAGE_SIZE.default} when neither \`first\` nor \`last\` is given, at most ${PAGE_SIZE.max} (larger values are capped)`,
    },
    lastArgOptions: {
      description: `How many items before \`before\` (or at the end), instead of \`first\`: at most ${PAGE_SIZE.max} (larger values are capped)`,
    },
    afterArgOptions: {
      description: "An edge's `cursor` (or `pageInfo.endCursor`): the page starts after it",
    },
    beforeArgOptions: {
      description: "An edge's `cursor` (or `pageInfo.startCursor`): the page ends before it",
    },
    // Ours, in node.ts: unknown ids null, malformed ones coded per item, `nodes` capped.
    nodeQueryOptions: false,
    nodesQueryOptions: false,
  },
  // Every mutation's result (schema/mutation.ts): `<Field>Result`, a union of its payload itself
  // and the domain errors any mutation can meet. Never bare `Error`: unknown errors stay masked.
  errors: {
    defaultTypes: [ValidationError, ConflictError, BackendRejectedError],
    directResult: true,
    defaultUnionOptions: {
      name: ({ fieldName }) => `${fieldName.charAt(0).toUpperCase()}${fieldName.slice(1)}Result`,
    },
  },
});

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
