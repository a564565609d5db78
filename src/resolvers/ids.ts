import { decodeGlobalID } from '@pothos/plugin-relay';
import { type IdGrammar, parseId } from '../backends/id-grammar.ts';
import { ValidationError } from '../domain/errors.ts';

/**
 * Id arguments take the global id (base64 of `Type:endpoint:nativeId`) or, for convenience, the
 * object id (`endpoint:nativeId`) or a vendor-native id. Returns the object id part of a global id
 * of the expected type, or undefined when `value` is not such a global id.
 */
export function fromGlobalId(value: string, typename: string): string | undefined {
  try {
    const decoded = decodeGlobalID(value);
    return decoded.typename === typename ? decoded.id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A mutation's id argument as the backend's native id (SPEC §4: global id or native id). A
 * global id of another type or backend is a ValidationError naming the argument. Whichever form
 * it came in, the native id must match the vendor's `grammar` (src/backends/<vendor>/ids.ts) and
 * is returned in the grammar's canonical form.
 */
export function nativeIdArg(
  value: string,
  typename: string,
  backend: string,
  path: readonly string[],
  grammar: IdGrammar,
): string {
  const objectId = fromGlobalId(value, typename);
  if (objectId !== undefined) {
    if (!objectId.startsWith(`${backend}:`)) {
      throw new ValidationError([
        { path, message: `must be a ${typename} of backend ${backend.toUpperCase()}` },
      ]);
    }
    return parseId(grammar, objectId.slice(backend.length + 1), path);
  }
  if (looksLikeOtherGlobalId(value)) {
    throw new ValidationError([{ path, message: `must be a ${typename} id or a native id` }]);
  }
  const prefix = `${backend}:`;
  const native = value.startsWith(prefix) ? value.slice(prefix.length) : value;
  return parseId(grammar, native, path);
}

/** A base64 global id of some other type (e.g. a Host id where a Plugin id belongs). */
function looksLikeOtherGlobalId(value: string): boolean {
  try {
    const { typename } = decodeGlobalID(value);
    return /^(Plugin|Host|Installation|Task|Update)$/.test(typename);
  } catch {
    return false;
  }
}

/** The parts of a global id (base64 of `Type:objectId`), or undefined when it is malformed. */
export function parseGlobalId(value: string): { typename: string; id: string } | undefined {
  try {
    return decodeGlobalID(value);
  } catch {
    return undefined;
  }
}

/** Characters of a caller's value an error message may echo: enough to recognise it, no more. */
export const ECHO_MAX_CHARS = 64;

/** A caller's value quoted for an error message, cut to ECHO_MAX_CHARS (never mid-character). */
export function echoInput(value: string): string {
  if (value.length <= ECHO_MAX_CHARS) return JSON.stringify(value);
  let head = value.slice(0, ECHO_MAX_CHARS);
  if (/[\uD800-\uDBFF]$/.test(head)) head = head.slice(0, -1);
  return `${JSON.stringify(head)}…`;
}
