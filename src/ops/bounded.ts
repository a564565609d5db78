/**
 * Caller-controlled strings, bounded before they become a metric label or a log field (issue
 * 25): an operation name is read before authentication, and a label or a log line must not grow
 * with what a caller sends.
 */

/** Longest operation name kept as a label or log field; real ones are far shorter. */
export const MAX_OPERATION_NAME = 64;

/** Longest string kept in any field of a log record (logger.ts); longer ones are cut. */
export const MAX_LOG_STRING = 1_024;

/** The label of every operation a request had not been authenticated for: no name of its own. */
export const UNAUTHENTICATED_OPERATION = 'unauthenticated';

/** An operation name that is no GraphQL name (spaces, markup, a megabyte of anything). */
export const INVALID_OPERATION = 'invalid';

/** An operation sent without a name. */
export const ANONYMOUS_OPERATION = 'anonymous';

const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;

/**
 * An operation name as a label or log field: a GraphQL name cut to MAX_OPERATION_NAME characters,
 * `invalid` for anything else, `anonymous` for none.
 */
export function operationNameLabel(name: unknown): string {
  if (name === undefined || name === null || name === '') return ANONYMOUS_OPERATION;
  if (typeof name !== 'string' || !GRAPHQL_NAME.test(name)) return INVALID_OPERATION;
  return name.length > MAX_OPERATION_NAME ? name.slice(0, MAX_OPERATION_NAME) : name;
}

const ERROR_CODE = /^[A-Za-z][\w.-]{0,63}$/;

/** An `extensions.code` as a label: codes are ours, but an error may carry anything. */
export function errorCodeLabel(code: unknown): string {
  return typeof code === 'string' && ERROR_CODE.test(code) ? code : 'UNCODED';
}

/** What replaces configured secrets in a string (log-secrets.ts); none: the string as it is. */
export type Scrub = (text: string) => string;
const asIs: Scrub = (text) => text;

/**
 * `text` in at most `max` characters, saying how long it was when cut. Secrets are scrubbed
 * before the cut: one cut in half would no longer be recognised in the written line.
 */
export function boundString(text: string, max = MAX_LOG_STRING, scrub: Scrub = asIs): string {
  if (text.length <= max) return text;
  const clean = scrub(text);
  if (clean.length <= max) return clean;
  const note = `…[cut from ${clean.length}]`;
  return note.length >= max ? clean.slice(0, max) : clean.slice(0, max - note.length) + note;
}

/** How deep, and how many entries of each object or array, a log record keeps. */
const MAX_DEPTH = 8;
const MAX_ENTRIES = 100;
const MAX_KEY = 128;

/**
 * A log record's fields with every string cut to MAX_LOG_STRING, arrays and objects to
 * MAX_ENTRIES entries and MAX_DEPTH levels. Errors and other class instances are left to the
 * serializers (logger.ts); the record itself is returned when nothing needed cutting.
 */
export function boundLogFields(
  record: Record<string, unknown>,
  scrub: Scrub = asIs,
): Record<string, unknown> {
  return boundValue(record, 0, scrub) as Record<string, unknown>;
}

function boundValue(value: unknown, depth: number, scrub: Scrub): unknown {
  if (typeof value === 'string') return boundString(value, MAX_LOG_STRING, scrub);
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    if (depth >= MAX_DEPTH) return `[array of ${value.length}]`;
    let changed = value.length > MAX_ENTRIES;
    const kept = changed ? value.slice(0, MAX_ENTRIES) : value;
    const out = kept.map((item) => {
      const b = boundValue(item, depth + 1, scrub);
      if (b !== item) changed = true;
      return b;
    });
    if (value.length > MAX_ENTRIES) out.push(`…[${value.length - MAX_ENTRIES} more entries]`);
    return changed ? out : value;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value; // Error, Date, Buffer…
  if (depth >= MAX_DEPTH) return '[object]';
  const entries = Object.entries(value);
  let changed = entries.length > MAX_ENTRIES;
  // No prototype: a `__proto__` key stays a key.
  const out = Object.create(null) as Record<string, unknown>;
  for (const [key, item] of entries.slice(0, MAX_ENTRIES)) {
    const b = boundValue(item, depth + 1, scrub);
    if (b !== item || key.length > MAX_KEY) changed = true;
    out[boundString(key, MAX_KEY, scrub)] = b;
  }
  if (entries.length > MAX_ENTRIES) out['…'] = `${entries.length - MAX_ENTRIES} more entries`;
  return changed ? out : value;
}
