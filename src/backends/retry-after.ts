/**
 * A vendor's `Retry-After` (RFC 9110 §10.2.3) on a 429 or 503: delay-seconds or an HTTP-date,
 * read as undici's RetryHandler reads it (lib/handler/retry-handler.js). A vendor that says when
 * to come back is asked again then, not at our own backoff's pace (which would only burn the
 * attempts against its rate limit).
 */

/** The longest wait a Retry-After gets before a retry; a longer one is not waited for. */
export const DEFAULT_MAX_RETRY_AFTER_MS = 5_000;

/** Milliseconds to wait, or undefined when the header is absent or says nothing usable. */
export function retryAfterMs(
  value: string | undefined,
  now: number = Date.now(),
): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1_000;
  // An HTTP-date starts with its day's name; Date.parse would take `-3` for a year.
  if (!/^[A-Za-z]/.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
