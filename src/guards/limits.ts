import { EnvelopArmor } from '@escape.tech/graphql-armor';
import type { GraphQLError } from 'graphql';
import { createGraphQLError, type Plugin as YogaPlugin } from 'graphql-yoga';
import { MAX_REQUEST_BODY_BYTES } from '../http/request-body-limit.ts';
import { useNoSuggestions } from './no-suggestions.ts';
import { repeatedFieldOver } from './repeated-fields.ts';

/**
 * Abuse limits (SPEC §8), checked before execution so an abusive document costs a parse and a
 * validation, never a backend call. Tuned so that every GraphiQL example operation and a
 * federation `_entities` request with 100 representations pass (test/security/limits.test.ts);
 * docs/security.md lists them.
 */
export const LIMITS = {
  /** Field nesting. A connection costs two levels (edges, node); `plugins → installations → host` fits. */
  maxDepth: 10,
  /** Aliased fields per operation: the cheap way to multiply one expensive field. */
  maxAliases: 15,
  /**
   * Selections of one response key in one selection set, fragments' fields counted where they
   * are spread (repeated-fields.ts): merged before execution, each pair of them is still compared
   * by validation. GraphiQL's examples and the docs' repeat a key twice at most.
   */
  maxFieldRepeats: 10,
  /** Lexer tokens per document: bounds parsing work; GraphiQL's whole example document fits. */
  maxTokens: 2_000,
  /** Directives per operation. */
  maxDirectives: 20,
  /**
   * graphql-armor's cost: objects 2, scalars 1, ×1.5 per level, × `first` on a list. A page of
   * 100 plugins with their installations and hosts fits; nested pages of 100 do not.
   */
  maxCost: 30_000,
  /** Ids one `nodes(ids:)` takes: a page's worth; more is refused before any backend call. */
  maxNodes: 100,
  /** Request body bytes (http/request-body-limit.ts): `_entities` with 100 representations fits. */
  maxRequestBodyBytes: MAX_REQUEST_BODY_BYTES,
} as const;

/** The `extensions.code` of a document refused by a limit; `extensions.limit` names the limit. */
export const LIMIT_EXCEEDED = 'QUERY_LIMIT_EXCEEDED';

export interface LimitsOptions {
  /** With introspection off, "Did you mean …?" suggestions are blocked too: they leak the schema. */
  readonly introspection: boolean;
}

export function useLimits(options: LimitsOptions): YogaPlugin[] {
  // Each rule reports through onReject; rethrowing a coded error there replaces armor's own
  // (uncoded) error, so clients can branch on the code.
  const reject =
    (limit: string) =>
    (_ctx: unknown, error: GraphQLError): never => {
      throw createGraphQLError(error.message.replace(/^Syntax Error: /, ''), {
        extensions: { code: LIMIT_EXCEEDED, limit },
      });
    };
  const armor = new EnvelopArmor({
    maxDepth: {
      n: LIMITS.maxDepth,
      onReject: [reject('maxDepth')],
      propagateOnRejection: false,
    },
    maxAliases: {
      n: LIMITS.maxAliases,
      onReject: [reject('maxAliases')],
      propagateOnRejection: false,
    },
    maxTokens: {
      n: LIMITS.maxTokens,
      onReject: [reject('maxTokens')],
      propagateOnRejection: false,
    },
    maxDirectives: {
      n: LIMITS.maxDirectives,
      onReject: [reject('maxDirectives')],
      propagateOnRejection: false,
    },
    costLimit: {
      maxCost: LIMITS.maxCost,
      onReject: [reject('maxCost')],
      propagateOnRejection: false,
    },
    // Replaced by useNoSuggestions, which also hides enum value hints and variables' hints.
    blockFieldSuggestion: { enabled: false },
  });
  // Before validation, whose cost grows with the square of the repeats (repeated-fields.ts).
  const repeats: YogaPlugin = {
    onValidate({ params }) {
      const over = repeatedFieldOver(params.documentAST, LIMITS.maxFieldRepeats);
      if (!over) return;
      throw createGraphQLError(
        `Field "${over.key}" is selected more than ${LIMITS.maxFieldRepeats} times in one selection set.`,
        { extensions: { code: LIMIT_EXCEEDED, limit: 'maxFieldRepeats' } },
      );
    },
  };
  return [
    repeats,
    ...(armor.protect().plugins as YogaPlugin[]),
    ...(options.introspection ? [] : [useNoSuggestions()]),
  ];
}
