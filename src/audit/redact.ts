import type { Json } from './types.ts';

export const REDACTED = '[redacted]';

/** A field whose name says it holds a secret, whatever its value. */
const SECRET_NAME = /secret|password|passwd|token|credential/i;

/**
 * A mutation's arguments as the audit keeps them: any field whose name says secret, password,
 * token or credential, and any value equal to a configured secret (config.secrets), replaced by
 * "[redacted]"; nothing else altered. Values GraphQL hands in are JSON-like already (input
 * objects, lists, scalars; a DateTime is written as its ISO string).
 */
export function redactArguments(value: unknown, secrets: ReadonlySet<string>): Json {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return secrets.has(value) ? REDACTED : value;
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((item) => redactArguments(item, secrets));
  if (typeof value === 'object') {
    const out: Record<string, Json> = {};
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined) continue;
      out[key] = SECRET_NAME.test(key) && item !== null ? REDACTED : redactArguments(item, secrets);
    }
    return out;
  }
  return String(value);
}
