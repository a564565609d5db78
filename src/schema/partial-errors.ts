import type { GraphQLResolveInfo } from 'graphql';
import { createGraphQLError, type Plugin as YogaPlugin } from 'graphql-yoga';
import { BackendError } from '../backends/errors.ts';
import type { EndpointRef } from '../domain/endpoint.ts';
import { requestSlot } from '../request/slot.ts';
import type { Context } from '../resolvers/context.ts';
import type { BackendFailure } from './backend-failure.ts';

/**
 * A list across endpoints where one endpoint failed: the field still returns the other endpoints'
 * items, and the failure is reported as a coded error whose path names that field (SPEC §5:
 * only the failing endpoint's part carries an error, everything else resolves, HTTP 200).
 * GraphQL has no way for one field to return both data and an error, so these errors are
 * gathered per request and appended to the result's `errors` by `usePartialErrors`; the same
 * failures are also returned in the data, in the connection's `failures` (SPEC §12).
 */
const pending = requestSlot<Error[]>('plugin-graph.partial-errors');

/**
 * What an endpoint's failure says to the client: the same code and message in the data
 * (`failures`) as in the GraphQL error. Only a BackendError's message is written for clients.
 */
export function failureOf(asked: EndpointRef, err: unknown): BackendFailure {
  const { backend, name: endpoint } = asked;
  return err instanceof BackendError
    ? { backend: err.backend, endpoint, code: err.code, message: err.message }
    : { backend, endpoint, code: 'INTERNAL_SERVER_ERROR', message: 'Unexpected error.' };
}

/**
 * How many endpoints one list asks at once: a fleet of 50 is read in parallel, bounded so one
 * request does not open a connection to every endpoint in the same instant.
 */
export const ENDPOINT_CONCURRENCY = 8;

export function reportPartialFailure(
  ctx: Context,
  info: GraphQLResolveInfo,
  failure: BackendFailure,
  err: unknown,
): void {
  const path: (string | number)[] = [];
  for (let p: GraphQLResolveInfo['path'] | undefined = info.path; p; p = p.prev)
    path.unshift(p.key);
  const error = createGraphQLError(failure.message, {
    path,
    extensions: {
      code: failure.code,
      backend: failure.backend,
      endpoint: failure.endpoint,
      partial: true,
      ...(err instanceof BackendError && err.vendorCode !== undefined
        ? { vendorCode: err.vendorCode }
        : {}),
    },
  });
  const list = pending.get(ctx) ?? [];
  list.push(error);
  pending.set(ctx, list);
}

export function usePartialErrors(): YogaPlugin {
  return {
    onExecute({ args }) {
      return {
        onExecuteDone({ result, setResult }) {
          const errors = pending.get(args.contextValue as object);
          if (!errors?.length || Symbol.asyncIterator in result) return;
          setResult({ ...result, errors: [...(result.errors ?? []), ...(errors as never[])] });
        },
      };
    },
  };
}

/**
 * Runs `fetch` for each endpoint, ENDPOINT_CONCURRENCY at a time: the answers of the endpoints
 * that answered, whole and in the order asked (an inventory snapshot's sorted rows, a list of
 * updates), and one failure per endpoint that did not, reported twice: as a partial error and in
 * `failures` (for the connection's own field). `warningOf` names an answer that still comes with
 * a failure entry (an inventory older than INVENTORY_MAX_STALE_MS: BACKEND_STALE), reported as a
 * failure is.
 */
export async function acrossEndpoints<E extends EndpointRef, V>(
  ctx: Context,
  info: GraphQLResolveInfo,
  endpoints: readonly E[],
  fetch: (endpoint: E) => Promise<V>,
  warningOf?: (value: V) => BackendError | undefined,
): Promise<{ values: V[]; failures: BackendFailure[] }> {
  const settled = await settleBounded(endpoints, fetch);
  const values: V[] = [];
  const failures: BackendFailure[] = [];
  const fail = (endpoint: E, err: unknown) => {
    const failure = failureOf(endpoint, err);
    failures.push(failure);
    reportPartialFailure(ctx, info, failure, err);
  };
  settled.forEach((result, i) => {
    if (result.status === 'rejected') {
      fail(endpoints[i] as E, result.reason);
      return;
    }
    values.push(result.value);
    const warning = warningOf?.(result.value);
    if (warning) fail(endpoints[i] as E, warning);
  });
  return { values, failures };
}

/** `Promise.allSettled` over `run(item)`, at most ENDPOINT_CONCURRENCY running at once, in order. */
async function settleBounded<E, T>(
  items: readonly E[],
  run: (item: E) => Promise<T>,
): Promise<PromiseSettledResult<T>[]> {
  const results: PromiseSettledResult<T>[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) {
      // `async`: a fetch that throws at once (a backend asked for but not configured) is a
      // failure of that endpoint, not of the whole field.
      try {
        results[i] = { status: 'fulfilled', value: await run(items[i] as E) };
      } catch (reason) {
        results[i] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(ENDPOINT_CONCURRENCY, items.length) }, worker));
  return results;
}
