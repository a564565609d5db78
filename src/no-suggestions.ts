import type { ExecutionResult } from 'graphql';
import { isAsyncIterable, type Plugin as YogaPlugin } from 'graphql-yoga';

/**
 * graphql-js ends a message with a "Did you mean …?" hint (its didYouMean): a field, argument,
 * type or input field close to a misspelt one, an enum value (` Did you mean the enum value
 * "SDM"?`), or the types to use an inline fragment on. Always last in the message.
 */
const SUGGESTION = /\s*Did you mean [^?]*\?\s*$/;

/**
 * With introspection off, the schema must not leak through hints either (README, Security).
 * graphql-armor's blockFieldSuggestion only rewrites validation errors of the form
 * `Did you mean "x"?`, so enum values and inline-fragment hints still showed, and it never sees
 * variable coercion errors, which execution reports. This strips the hint from every error a
 * validation, an execution or a subscription's start reports, on every transport (the WebSocket
 * server runs the same enveloped validate, execute and subscribe).
 */
export function useNoSuggestions(): YogaPlugin {
  return {
    onValidate: () =>
      function onValidateEnd({ valid, result, setResult }) {
        if (!valid) setResult(result.map(withoutSuggestion));
      },
    onExecute: () => ({
      onExecuteDone({ result, setResult }) {
        if (!isAsyncIterable(result)) setResult(resultWithoutSuggestions(result));
      },
    }),
    onSubscribe: () => ({
      onSubscribeResult({ result, setResult }) {
        if (!isAsyncIterable(result)) setResult(resultWithoutSuggestions(result));
      },
    }),
  };
}

function resultWithoutSuggestions(result: ExecutionResult): ExecutionResult {
  return result.errors ? { ...result, errors: result.errors.map(withoutSuggestion) } : result;
}

/** The same error, its message without the hint. Mutated in place: it keeps its class and fields. */
function withoutSuggestion<E extends Error>(error: E): E {
  if (typeof error.message === 'string' && SUGGESTION.test(error.message)) {
    error.message = error.message.replace(SUGGESTION, '');
  }
  return error;
}
