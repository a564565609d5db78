import { type GraphQLFieldResolver, type GraphQLSchema, getArgumentValues } from 'graphql';

/**
 * Makes every subscription field's `subscribe` receive the field's own arguments.
 * graphql-jit (0.8.7 to 0.8.9, used through @envelop/graphql-jit for speed) calls `subscribe`
 * with the operation's *variables* in place of the field's arguments: `taskProgress(id: "…")`
 * saw no id, and `taskProgress(id: $task)` none either. The arguments are read again from the
 * field node and the variables, as graphql-js does; under graphql-js this yields what it passed.
 * Applied once to the built schema, so a subscription field added later is covered too.
 *
 * UPSTREAM WORKAROUND: graphql-jit 0.8.7 (exact, the version @envelop/graphql-jit 11.2.1 depends
 * on; pinned with `~`), `dist/execution.js` `createBoundSubscribe` passes
 * `executionContext.variables` as the args of `field.subscribe`. Reported upstream as
 * zalando-incubator/graphql-jit#183 (open) and graphql-hive/envelop#2008. Delete this file (and
 * its call in schema/index.ts) once the graphql-jit in use passes the field's arguments: the
 * "taskProgress arguments" tests in test/http/sse.test.ts must still pass without it.
 */
export function subscriptionsReadTheirArguments(schema: GraphQLSchema): GraphQLSchema {
  for (const field of Object.values(schema.getSubscriptionType()?.getFields() ?? {})) {
    const subscribe: GraphQLFieldResolver<unknown, unknown> | undefined = field.subscribe;
    if (!subscribe) continue;
    field.subscribe = (root, _args, ctx, info) => {
      const [node] = info.fieldNodes;
      const args = node ? getArgumentValues(field, node, info.variableValues) : {};
      return subscribe(root, args, ctx, info);
    };
  }
  return schema;
}
