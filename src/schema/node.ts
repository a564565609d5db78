import { resolveNodes } from '@pothos/plugin-relay';
import { type GraphQLResolveInfo, type GraphQLSchema, isObjectType } from 'graphql';
import { createGraphQLError } from 'graphql-yoga';
import { LIMIT_EXCEEDED, LIMITS } from '../guards/limits.ts';
import type { Context } from '../resolvers/context.ts';
import { echoInput, parseGlobalId } from '../resolvers/ids.ts';
import { builder } from './builder.ts';
import { isUnknownId } from './node-loader.ts';

/**
 * `node(id)` and `nodes(ids)`, in place of the relay plugin's (builder.ts turns those off): its
 * arguments parse every id before the resolver runs, so one malformed id failed the whole
 * `nodes` list with an uncoded error echoing all of it, and an unknown id became a masked,
 * logged INTERNAL_SERVER_ERROR. Here (SPEC §12, Relay's convention) a well-formed id that names
 * nothing is null with no error and no log line; a malformed one is an error coded INVALID_ID
 * on its own item; a backend failure stays a coded error on its own item.
 */

/** The `extensions.code` of an id that is not a global id at all. */
export const INVALID_ID = 'INVALID_ID';

builder.queryField('node', (t) =>
  t.field({
    type: builder.nodeInterfaceRef(),
    nullable: true,
    description: 'Any object by its global id; null when no object has that id',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx, info) => {
      const [node] = await resolveGlobalIds([id], ctx, info);
      if (node instanceof Error) throw node;
      return node ?? null;
    },
  }),
);

builder.queryField('nodes', (t) =>
  t.field({
    type: [builder.nodeInterfaceRef()],
    nullable: { list: false, items: true },
    description: `Objects by global id, in order (at most ${LIMITS.maxNodes}); null for an id no object has`,
    args: { ids: t.arg.idList({ required: true }) },
    resolve: (_root, { ids }, ctx, info) => {
      if (ids.length > LIMITS.maxNodes) {
        throw createGraphQLError(`nodes takes at most ${LIMITS.maxNodes} ids, got ${ids.length}`, {
          extensions: { code: LIMIT_EXCEEDED, limit: 'maxNodes' },
        });
      }
      // An Error item becomes null plus an error at `nodes.<index>` alone (GraphQL's list rules).
      return resolveGlobalIds(ids, ctx, info) as Promise<(object | null)[]>;
    },
  }),
);

/**
 * Each id's object, null (names nothing) or an Error (malformed id, backend failure), in order.
 * Ids of one type go to that type's loader together (the relay plugin's resolveNodes), so a list
 * of ids still costs one list per endpoint.
 */
async function resolveGlobalIds(
  ids: readonly string[],
  ctx: Context,
  info: GraphQLResolveInfo,
): Promise<(object | Error | null)[]> {
  const parsed = ids.map((id) => {
    const decoded = parseGlobalId(id);
    if (!decoded) return invalidId(id);
    return isNodeType(info.schema, decoded.typename) ? decoded : null;
  });
  const lookups = parsed.map((p) => (p === null || p instanceof Error ? null : p));
  const loaded = await resolveNodes(builder, ctx, info, lookups);
  return Promise.all(
    parsed.map(async (p, i) => {
      if (p === null || p instanceof Error) return p;
      const value: unknown = await Promise.resolve(loaded[i]).catch((err: unknown) => err);
      if (value instanceof Error) return isUnknownId(value) ? null : value;
      return typeof value === 'object' ? value : null;
    }),
  );
}

/** A type of this schema that implements Node; any other name is unknown, not malformed. */
function isNodeType(schema: GraphQLSchema, typename: string): boolean {
  const type = schema.getType(typename);
  return isObjectType(type) && type.getInterfaces().some((i) => i.name === 'Node');
}

function invalidId(id: string): Error {
  return createGraphQLError(`Invalid global id ${echoInput(id)}`, {
    extensions: { code: INVALID_ID },
  });
}
