import { z } from 'zod';

/**
 * Bounds on the vendor strings the wire shapes accept (issue 26.3). A well-formed SDM list whose
 * plug-in name was 20 MB went into the inventory snapshot whole, and every `plugins` query
 * answered 20 MB. Each vendor's wire.ts builds its string fields from these. A field past its
 * bound fails the answer's schema: the whole answer is BACKEND_BAD_RESPONSE (and counts against
 * the breaker), never a row silently left out or cut: a list missing one plug-in would read as
 * "not there", and a cut name or id would name another thing. The bounds are far above what any
 * vendor documents (HSS caps codes at 64 characters, names and descriptions at a few hundred).
 */
export const WIRE_LIMITS = {
  /** Ids, codes, names, versions, status words, dates: 1 KiB. */
  short: 1_024,
  /** Descriptions, summaries, URLs: 8 KiB. */
  long: 8 * 1_024,
  /** A vendor's error message or details, kept on a task as the reason it failed: 64 KiB. */
  detail: 64 * 1_024,
} as const;

/** An id, code, name, version or status word. */
export const shortText = z.string().max(WIRE_LIMITS.short);
/** A description, summary or URL. */
export const longText = z.string().max(WIRE_LIMITS.long);
/** A vendor's error message or details. */
export const detailText = z.string().max(WIRE_LIMITS.detail);
