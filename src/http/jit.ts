import { useGraphQlJit } from '@envelop/graphql-jit';
import type { DocumentNode } from 'graphql';
import type { Plugin as YogaPlugin } from 'graphql-yoga';

/**
 * Compiled execution (graphql-jit) only where it cannot run another operation than the one named.
 *
 * @envelop/graphql-jit caches one compiled query per document object (Yoga's parser hands the
 * same object back for the same text) and ignores `operationName` on a cache hit: with
 * `mutation M … query Q …`, a request naming Q after one naming M ran M, while every check before
 * execution (GET, CSRF, role, audit, metrics) judged Q. A document with one operation has only
 * one thing to run, so its cache entry is right whatever name a later request sends; anything
 * else (several operations, or a name the document does not hold, whose compile error would be
 * cached too) goes to graphql-js's `execute`, which selects by `operationName` every time.
 */
export function useOperationSafeJit(): YogaPlugin {
  return useGraphQlJit(
    {},
    {
      enableIf: (args) => selectsTheSoleOperation(args.document, args.operationName),
    },
  ) as YogaPlugin;
}

/** True when `document` holds exactly one operation and `operationName` (if any) names it. */
export function selectsTheSoleOperation(
  document: DocumentNode,
  operationName: string | null | undefined,
): boolean {
  let sole: { name?: { value: string } | undefined } | undefined;
  for (const definition of document.definitions) {
    if (definition.kind !== 'OperationDefinition') continue;
    if (sole) return false;
    sole = definition;
  }
  if (!sole) return false;
  return operationName == null || sole.name?.value === operationName;
}
