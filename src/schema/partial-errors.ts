import type { GraphQLResolveInfo } from 'graphql';
import { createGraphQLError, type Plugin as YogaPlugin } from 'graphql-yoga';
import { BackendError } from '../backends/errors.ts';
import type { Context } from '../context.ts';
import type { BackendName } from '../domain/backend.ts';
import { requestSlot } from '../http/request-slot.ts';
import type { BackendFailure } from './backend-failure.ts';

/**
 * A list across backends where one backend failed: the field still returns the other backends'
 * items, and the failure is reported as a coded error whose path names that field (SPEC §5:
 * only the failing backend's part carries an error, everything else resolves, HTTP 200).
 * GraphQL has no way for one field to return both data and an error, so these errors are
 * gathered per request and appended to the result's `errors` by `usePartialErrors`; the same
 * failures are also returned in the data, in the connection's `failures` (SPEC §12).
 */
const pending = requestSlot<Error[]>('plugin-graph.partial-errors');

/**
 * What a backend's failure says to the client: the same code and message in the data
 * (`failures`) as in the GraphQL error. Only a BackendError's message is written for clients.
 */
export function failureOf(backend: BackendName, err: unknown): BackendFailure {
  return err instanceof BackendError
    ? { backend: err.backend, code: err.code, message: err.message }
    : { backend, code: 'INTERNAL_SERVER_ERROR', message: 'Unexpected error.' };
}

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

/** The items of every backend that answered, and the backends that did not. */
export interface Gathered<T> {
  readonly items: T[];
  readonly failures: BackendFailure[];
}

/**
 * Runs `fetch` for each backend at once; each failure is reported twice, as a partial error
 * and in `failures` (for the connection's own field), and the successful backends' items
 * returned.
 */
export async function acrossBackends<B extends BackendName, T>(
  ctx: Context,
  info: GraphQLResolveInfo,
  backends: readonly B[],
  fetch: (backend: B) => Promise<T[]>,
): Promise<Gathered<T>> {
  // `async`: a fetch that throws at once (a backend asked for but not configured) is a
  // failure of that backend, not of the whole field.
  const settled = await Promise.allSettled(backends.map(async (b) => fetch(b)));
  const items: T[] = [];
  const failures: BackendFailure[] = [];
  settled.forEach((result, i) => {
    if (result.status === 'fulfilled') {
      items.push(...result.value);
      return;
    }
    const failure = failureOf(backends[i] as B, result.reason);
    failures.push(failure);
    reportPartialFailure(ctx, info, failure, result.reason);
  });
  return { items, failures };
}
