import { resolveCursorConnection } from '@pothos/plugin-relay';
import type { GraphQLResolveInfo } from 'graphql';
import { BACKENDS, type BackendName } from '../domain/backend.ts';
import type { Snapshot } from '../inventory/snapshot.ts';
import { pageAcross, type SortedRows } from '../inventory/sorted-rows.ts';
import {
  type CatalogEndpoint,
  endpointsAsked,
  inventoryOf,
  type Keyed,
} from '../resolvers/catalog.ts';
import type { Context } from '../resolvers/context.ts';
import { relayPage } from './page-info.ts';
import { PAGE_SIZE } from './page-size.ts';
import { acrossEndpoints } from './partial-errors.ts';

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

/** Relay paging arguments as resolveCursorConnection takes them (no nulls). */
function relayArgs(args: ConnectionArgs) {
  return {
    first: args.first ?? undefined,
    last: args.last ?? undefined,
    after: args.after ?? undefined,
    before: args.before ?? undefined,
  };
}

/**
 * A Relay connection over several endpoints' sorted rows in one stable order (backend,
 * endpoint, native id), keyset-paged on that order, `first`/`last` defaulting to 20 and capped
 * at 100 (PAGE_SIZE): a cursor is found by binary search in each endpoint's rows and the page
 * merged from theirs (inventory/sorted-rows.ts), so a page costs O(page), not O(inventory).
 */
export async function rowsConnection<T extends Keyed>(
  args: ConnectionArgs,
  sources: readonly SortedRows<T>[],
) {
  const page = await resolveCursorConnection<T[]>(
    {
      args: relayArgs(args),
      toCursor,
      defaultSize: PAGE_SIZE.default,
      maxSize: PAGE_SIZE.max,
    },
    ({ before, after, limit, inverted }) =>
      pageAcross(sources, {
        after: after === undefined ? undefined : fromCursor(after),
        before: before === undefined ? undefined : fromCursor(before),
        limit,
        inverted,
      }),
  );
  return relayPage(page);
}

/** What a catalog list takes: the paging arguments, `backend:` and `endpoint:`. */
interface CatalogListArgs extends ConnectionArgs {
  readonly backend?: BackendName | null | undefined;
  readonly endpoint?: string | null | undefined;
}

/**
 * A catalog connection over the given endpoints' snapshots: read concurrently and bounded
 * (acrossEndpoints), paged, with one failure per failing endpoint and one BACKEND_STALE entry
 * per endpoint answering from a snapshot older than INVENTORY_MAX_STALE_MS.
 */
export async function snapshotConnection<T extends Keyed>(
  ctx: Context,
  info: GraphQLResolveInfo,
  args: ConnectionArgs,
  endpoints: readonly CatalogEndpoint[],
  rowsOf: (snapshot: Snapshot) => SortedRows<T>,
) {
  const { values, failures } = await acrossEndpoints(
    ctx,
    info,
    endpoints,
    // rowsOf throws the error of a part of the snapshot that failed to read: that endpoint's failure.
    async (e) => {
      const view = await inventoryOf(ctx, e);
      return { rows: rowsOf(view.snapshot), stale: view.stale };
    },
    (answer) => answer.stale,
  );
  return {
    ...(await rowsConnection(
      args,
      values.map((v) => v.rows),
    )),
    failures,
  };
}

/** A catalog list (plugins, hosts) as a connection over the endpoints its arguments pick. */
export function catalogConnection<T extends Keyed>(
  ctx: Context,
  info: GraphQLResolveInfo,
  args: CatalogListArgs,
  rowsOf: (snapshot: Snapshot) => SortedRows<T>,
) {
  return snapshotConnection(
    ctx,
    info,
    args,
    endpointsAsked(ctx, args.backend, args.endpoint),
    rowsOf,
  );
}
