import { type GraphQLFieldResolver, type GraphQLSchema, isUnionType } from 'graphql';

/**
 * Makes `_entities` answer null for a representation whose `__typename` is no entity of this
 * subgraph (SPEC §7), and only for that one. @apollo/subgraph's resolver throws for a name the
 * schema does not know, which fails the whole `_entities` list, and hands a type that is no
 * entity (`Update`) to `_Entity`'s type resolution, a masked error. The others still go through
 * the original resolver, in order, so they still share the request's loaders.
 * Applied once to the built schema (schema/index.ts).
 */
export function entitiesOfUnknownTypesAreNull(schema: GraphQLSchema): GraphQLSchema {
  const field = schema.getQueryType()?.getFields()._entities;
  const entity = schema.getType('_Entity');
  if (!field || !isUnionType(entity)) return schema;
  const entityTypes = new Set(entity.getTypes().map((type) => type.name));
  const resolve: GraphQLFieldResolver<unknown, unknown> | undefined = field.resolve;
  if (!resolve) return schema;
  field.resolve = async (root, args: { representations?: unknown }, ctx, info) => {
    const representations = Array.isArray(args.representations) ? args.representations : [];
    const known = representations.map((r) => entityTypes.has(typenameOf(r)));
    const resolved = await resolve(
      root,
      { ...args, representations: representations.filter((_, i) => known[i]) },
      ctx,
      info,
    );
    const results = Array.isArray(resolved) ? resolved : [];
    let next = 0;
    return known.map((isKnown) => (isKnown ? results[next++] : null));
  };
  return schema;
}

function typenameOf(representation: unknown): string {
  const typename =
    typeof representation === 'object' && representation !== null
      ? (representation as { __typename?: unknown }).__typename
      : undefined;
  return typeof typename === 'string' ? typename : '';
}
