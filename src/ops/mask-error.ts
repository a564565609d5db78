import type { GraphQLError } from 'graphql';
import { createGraphQLError, maskError as yogaMaskError } from 'graphql-yoga';
import { BackendError } from '../backends/errors.ts';
import { StoreUnavailableError } from '../store/errors.ts';

/**
 * SPEC §5 infrastructure tier: a BackendError on a field becomes a GraphQL error on that field
 * with `extensions.code`, `backend` and, where the vendor gave one, `vendorCode`. Everything
 * unexpected is masked by Yoga ("Unexpected error.").
 */
export function maskError(error: unknown, message: string, isDev?: boolean): Error {
  // Duck-typed: graphql's CJS and ESM builds both load here, so `instanceof GraphQLError` lies.
  const located =
    typeof error === 'object' && error !== null && 'originalError' in error
      ? (error as GraphQLError)
      : undefined;
  const original = located ? located.originalError : error;
  if (original instanceof BackendError) {
    return createGraphQLError(original.message, {
      nodes: located?.nodes,
      source: located?.source,
      positions: located?.positions,
      path: located?.path,
      extensions: {
        code: original.code,
        backend: original.backend,
        ...(original.vendorCode === undefined ? {} : { vendorCode: original.vendorCode }),
      },
    });
  }
  if (original instanceof StoreUnavailableError) {
    // Redis (scaled-out mode) down or hung: coded on the field that needed the task store.
    return createGraphQLError(original.message, {
      nodes: located?.nodes,
      source: located?.source,
      positions: located?.positions,
      path: located?.path,
      extensions: { code: original.code },
    });
  }
  return yogaMaskError(error, message, isDev);
}
