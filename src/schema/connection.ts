import { resolveCursorConnection } from '@pothos/plugin-relay';
import type { BackendName } from '../domain/backend.ts';
import { compareByBackendThenId, splitObjectId } from '../resolvers/catalog.ts';
import { PAGE_SIZE } from './page-size.ts';
import type { Gathered } from './partial-errors.ts';

/** The `backend:` argument of the catalog connections (plugins, hosts, installations). */
export const BACKEND_ARG_DESCRIPTION =
  'Only this backend (BACKEND_NOT_CONFIGURED when it is not configured); default every configured backend';

interface Keyed {
  readonly backend: BackendName;
  readonly nativeId: string;
}

interface ConnectionArgs {
  readonly first?: number | null | undefined;
  readonly last?: number | null | undefined;
  readonly after?: string | null | undefined;
  readonly before?: string | null | undefined;
}

/** Cursors are opaque: base64url of the item's object id, so a page survives list changes. */
const toCursor = (item: Keyed) =>
  Buffer.from(`${item.backend}:${item.nativeId}`).toString('base64url');

function fromCursor(cursor: string): Keyed | undefined {
  return splitObjectId(Buffer.from(cursor, 'base64url').toString('utf8'));
}

/**
 * A Relay connection over items of several backends in a stable order (backend, then native
 * id), keyset-paged on that order, `first`/`last` defaulting to 20 and capped at 100 (PAGE_SIZE).
 */
export function sortedConnection<T extends Keyed>(args: ConnectionArgs, items: readonly T[]) {
  const sorted = [...items].sort(compareByBackendThenId);
  return resolveCursorConnection<T[]>(
    {
      args: {
        ...args,
        first: args.first ?? undefined,
        last: args.last ?? undefined,
        after: args.after ?? undefined,
        before: args.before ?? undefined,
      },
      toCursor,
      defaultSize: PAGE_SIZE.default,
      maxSize: PAGE_SIZE.max,
    },
    ({ before, after, limit, inverted }) => {
      const lower = after === undefined ? undefined : fromCursor(after);
      const upper = before === undefined ? undefined : fromCursor(before);
      const window = sorted.filter(
        (item) =>
          (lower === undefined || compareByBackendThenId(item, lower) > 0) &&
          (upper === undefined || compareByBackendThenId(item, upper) < 0),
      );
      return inverted ? window.reverse().slice(0, limit) : window.slice(0, limit);
    },
  );
}

/** `sortedConnection` over what `acrossBackends` gathered, with the backends that failed. */
export async function gatheredConnection<T extends Keyed>(
  args: ConnectionArgs,
  gathered: Gathered<T>,
) {
  return { ...(await sortedConnection(args, gathered.items)), failures: gathered.failures };
}
