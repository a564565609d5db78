import { type GraphQLResolveInfo, getArgumentValues } from 'graphql';

/**
 * Wraps a subscription field's `subscribe` so it receives the field's own arguments.
 * graphql-jit (0.8.7 to 0.8.9, used through @envelop/graphql-jit) calls `subscribe` with the
 * operation's *variables* in place of the field's arguments: `taskProgress(id: "…")` saw no id,
 * and `taskProgress(id: $task)` none either. The arguments are read again from the field node and
 * the variables, as graphql-js does; under graphql-js this yields what it passed already.
 */
export function withFieldArguments<Root, Args, Ctx, Result>(
  subscribe: (root: Root, args: Args, ctx: Ctx, info: GraphQLResolveInfo) => Result,
): (root: Root, args: Args, ctx: Ctx, info: GraphQLResolveInfo) => Result {
  return (root, _args, ctx, info) => {
    const field = info.parentType.getFields()[info.fieldName];
    const [node] = info.fieldNodes;
    if (!field || !node) throw new Error(`subscription field ${info.fieldName} not found`);
    const args = getArgumentValues(field, node, info.variableValues) as Args;
    return subscribe(root, args, ctx, info);
  };
}
