import type { PageInfoShape } from '@pothos/plugin-relay';

/**
 * A connection page as Relay's cursor spec has it: on a page without edges `startCursor` and
 * `endCursor` are null, since no edge is there to point at. Pothos's resolvers put something
 * else there: `''` or the `after` argument (resolveCursorConnection), a cursor of no item
 * (resolveOffsetConnection, resolveArrayConnection). Relay's ConnectionHandler keeps the
 * previous `endCursor` only when the new one is not a string: `''` replaced it, and the next
 * `loadNext` started from the top. Every connection resolver returns its page through this.
 */
export function relayPage<
  P extends { readonly edges: readonly unknown[]; pageInfo: PageInfoShape },
>(page: P): P {
  if (page.edges.length > 0) return page;
  return { ...page, pageInfo: { ...page.pageInfo, startCursor: null, endCursor: null } };
}
