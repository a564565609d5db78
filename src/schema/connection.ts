import { resolveCursorConnection } from '@pothos/plugin-relay';
import type { GraphQLResolveInfo } from 'graphql';
import type { Context } from '../context.ts';
import { BACKENDS, type BackendName } from '../domain/backend.ts';
import {
  type CatalogTarget,
  compareByBackendThenId,
  type Keyed,
  listTargets,
} from '../resolvers/catalog.ts';
import { PAGE_SIZE } from './page-size.ts';
import { acrossBackends, type Gathered } from './partial-errors.ts';

/** The `backend:` argument of the catalog connections (plugins, hosts, installations). */
export const BACKEND_ARG_DESCRIPTION =
  'Only this backend (BACKEND_NOT_CONFIGURED when it is not configured); default every configured backend';

/** The `endpoint` field of Plugin, Host and Installation (SPEC §10). */
export const ENDPOINT_FIELD_DESCRIPTION =
  "The endpoint it comes from: the endpoints file's `name`, or the backend's name (`hss`, …) for the environment's";

/** The `endpoint:` argument of the catalog connections (SPEC §10). */
export const ENDPOINT_ARG_DESCRIPTION =
  'Only this endpoint, by name (an error coded BAD_USER_INPUT when no endpoint, of `backend` if given, has it); default every endpoint';

interface ConnectionArgs {
  readonly first?: number | null | undefined;
  readonly last?: number | null | undefined;
  readonly after?: string | null | undefined;
  readonly before?: string | null | undefined;
}

/**
 * Cursors are opaque: base64url of the item's place in the order, so a page survives list
 * changes: `backend:nativeId` (an endpoint named after its backend, as before fleets) or
 * `backend/endpoint:nativeId`.
 */
const toCursor = (item: Keyed) => {
  const place = item.endpoint === undefined ? item.backend : `${item.backend}/${item.endpoint}`;
  return Buffer.from(`${place}:${item.nativeId}`).toString('base64url');
};

function fromCursor(cursor: string): Keyed | undefined {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const colon = text.indexOf(':');
  const [backend = '', endpoint] = text.slice(0, Math.max(colon, 0)).split('/', 2);
  const nativeId = text.slice(colon + 1);
  if (colon < 0 || nativeId === '' || !(BACKENDS as readonly string[]).includes(backend))
    return undefined;
  return { backend: backend as BackendName, endpoint, nativeId };
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

/** What a catalog list takes: the paging arguments, `backend:` and `endpoint:`. */
interface CatalogListArgs extends ConnectionArgs {
  readonly backend?: BackendName | null | undefined;
  readonly endpoint?: string | null | undefined;
}

/**
 * A catalog list (plugins, hosts) as a connection: the endpoints its arguments pick, read
 * concurrently and bounded (acrossBackends), merged, paged, with one failure per failing endpoint.
 */
export async function catalogConnection<T extends Keyed>(
  ctx: Context,
  info: GraphQLResolveInfo,
  args: CatalogListArgs,
  read: (ctx: Context, target: CatalogTarget) => Promise<T[]>,
) {
  const targets = listTargets(ctx, args.backend, args.endpoint);
  return gatheredConnection(args, await acrossBackends(ctx, info, targets, (t) => read(ctx, t)));
}
