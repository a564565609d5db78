import { z } from 'zod';

/** The zod pieces every group of variables is written with, so each kind parses one way. */

/** Unset and blank both mean "not given". */
export const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));
/**
 * Whether `text` names no user or password (`https://user:pass@host/`). An unparsable one passes:
 * z.url has already refused it.
 */
function withoutCredentials(text: string): boolean {
  try {
    const parsed = new URL(text);
    return parsed.username === '' && parsed.password === '';
  } catch {
    return true;
  }
}

/**
 * An http(s) URL without credentials: a URL is not handled as a secret (not redacted, not in
 * Config.secrets), and the vendor clients and fetch refuse one holding credentials with a thrown
 * TypeError, later than start-up's list of problems.
 */
export const httpUrl = (credentialsGo: string) =>
  z
    .url({ protocol: /^https?$/ })
    .refine(withoutCredentials, `must not hold credentials (user:password@): ${credentialsGo}`);
/** A vendor base URL: http or https only (required in an endpoints file). */
export const requiredUrl = httpUrl("give them in the backend's own settings");
export const url = requiredUrl.optional();
export const positiveInt = (fallback: number) =>
  z.coerce.number().int().positive().default(fallback);
/** `1`/`true` or `0`/`false`; anything else is a problem, not false. */
export const flag = (fallback: boolean) =>
  z
    .enum(['1', '0', 'true', 'false'])
    .optional()
    .transform((v) => (v === undefined ? fallback : v === '1' || v === 'true'));
