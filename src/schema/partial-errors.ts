import type { GraphQLResolveInfo } from 'graphql';
import { createGraphQLError, type Plugin as YogaPlugin } from 'graphql-yoga';
import { BackendError } from '../backends/errors.ts';
import type { Context } from '../context.ts';

/**
 * A list across backends where one backend failed: the field still returns the other backends'
 * items, and the failure is reported as a coded error whose path names that field (SPEC §5:
 * only the failing backend's part carries an error, everything else resolves, HTTP 200).
 * GraphQL has no way for one field to return both data and an error, so these errors are
 * gathered per request and appended to the result's `errors` by `usePartialErrors`.
 */
const pending = new WeakMap<object, Error[]>();

export function reportPartialFailure(ctx: Context, info: GraphQLResolveInfo, err: unknown): void {
  const path: (string | number)[] = [];
  for (let p: GraphQLResolveInfo['path'] | undefined = info.path; p; p = p.prev)
    path.unshift(p.key);
  const error =
    err instanceof BackendError
      ? createGraphQLError(err.message, {
          path,
          extensions: {
            code: err.code,
            backend: err.backend,
            partial: true,
            ...(err.vendorCode === undefined ? {} : { vendorCode: err.vendorCode }),
          },
        })
      : createGraphQLError('Unexpected error.', {
          path,
          extensions: { code: 'INTERNAL_SERVER_ERROR', partial: true },
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
 * Runs `fetch` for each backend at once; failures are reported as partial errors and the
 * successful backends' items returned.
 */
export async function acrossBackends<B extends string, T>(
  ctx: Context,
  info: GraphQLResolveInfo,
  backends: readonly B[],
  fetch: (backend: B) => Promise<T[]>,
): Promise<T[]> {
  const settled = await Promise.allSettled(backends.map((b) => fetch(b)));
  const items: T[] = [];
  for (const result of settled) {
    if (result.status === 'fulfilled') items.push(...result.value);
    else reportPartialFailure(ctx, info, result.reason);
  }
  return items;
}
