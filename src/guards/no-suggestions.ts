import { type DocumentNode, type ExecutionResult, GraphQLError } from 'graphql';
import { isAsyncIterable, type Plugin as YogaPlugin } from 'graphql-yoga';

/**
 * graphql-js ends a message with a "Did you mean …?" hint (its didYouMean): a field, argument,
 * type or input field close to a misspelt one, an enum value (` Did you mean the enum value
 * "SDM"?`), or the types to use an inline fragment on. Always last in the message.
 */
const SUGGESTION = /\s*Did you mean [^?]*\?\s*$/;

/** A name graphql-js quotes in a message: `Field "InstallUpdateInput.version" of required type…`. */
const QUOTED = /"([^"\\]*)"/g;

/**
 * Variable coercion names the schema unquoted: `Field value.version of required type String! was
 * not provided.` (graphql-js coerceInputValue): the path's last name and the type.
 */
const UNQUOTED_REQUIRED = /Field ([\w.[\]]+) of required type ([\w![\]]+)/g;

/** What stands for a name the caller did not write. */
export const HIDDEN_NAME = '"[hidden]"';

/**
 * With introspection off, the schema must not leak through error messages (docs/security.md).
 * graphql-armor's blockFieldSuggestion only rewrites validation errors of the form
 * `Did you mean "x"?`, so enum values and inline-fragment hints still showed, and it never sees
 * variable coercion errors, which execution reports. Beyond hints, messages name what is missing
 * (`Field "InstallUpdateInput.version" of required type "String!" was not provided.`): so every
 * quoted name the caller did not write (in the document or the variables) becomes "[hidden]".
 * Applied to every error a validation, an execution or a subscription's start reports, on every
 * transport (the WebSocket server runs the same enveloped validate, execute and subscribe).
 */
export function useNoSuggestions(): YogaPlugin {
  return {
    onValidate: ({ params }) =>
      function onValidateEnd({ valid, result, setResult }) {
        if (valid) return;
        const written = writtenText(params.documentAST);
        setResult(result.map((error) => schemaBlind(error, written)));
      },
    onExecute: ({ args }) => ({
      onExecuteDone({ result, setResult }) {
        if (isAsyncIterable(result) || !result.errors) return;
        setResult(blindResult(result, writtenText(args.document, args.variableValues)));
      },
    }),
    onSubscribe: ({ args }) => ({
      onSubscribeResult({ result, setResult }) {
        if (isAsyncIterable(result) || !result.errors) return;
        setResult(blindResult(result, writtenText(args.document, args.variableValues)));
      },
    }),
  };
}

/** The document's text and its variables' JSON: every name the caller gave. */
function writtenText(document: DocumentNode, variables?: unknown): string {
  const source = document.loc?.source.body ?? '';
  return variables == null ? source : `${source}\n${JSON.stringify(variables)}`;
}

function blindResult(result: ExecutionResult, written: string): ExecutionResult {
  return { ...result, errors: result.errors?.map((error) => schemaBlind(error, written)) };
}

/**
 * The same error, its message without the hint and without names the caller did not write. A
 * GraphQLError is copied (graphql-js freezes some); anything else is changed in place.
 */
function schemaBlind<E extends Error>(error: E, written: string): E {
  if (typeof error.message !== 'string') return error;
  const hide = (name: string) => (written.includes(name) ? name : '[hidden]');
  const message = error.message
    .replace(SUGGESTION, '')
    .replace(QUOTED, (quoted, name: string) => (written.includes(name) ? quoted : HIDDEN_NAME))
    .replace(
      UNQUOTED_REQUIRED,
      (_all, path: string, type: string) =>
        `Field ${hide(path.slice(path.lastIndexOf('.') + 1))} of required type ${hide(type)}`,
    );
  if (message === error.message) return error;
  if (!(error instanceof GraphQLError)) {
    error.message = message;
    return error;
  }
  return new GraphQLError(message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: error.extensions,
  }) as unknown as E;
}
