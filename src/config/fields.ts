import { z } from 'zod';

/** The zod pieces every group of variables is written with, so each kind parses one way. */

/** Unset and blank both mean "not given". */
export const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));
/** A vendor base URL: http or https only (required in an endpoints file). */
export const requiredUrl = z.url({ protocol: /^https?$/ });
export const url = requiredUrl.optional();
export const positiveInt = (fallback: number) =>
  z.coerce.number().int().positive().default(fallback);
/** `1`/`true` or `0`/`false`; anything else is a problem, not false. */
export const flag = (fallback: boolean) =>
  z
    .enum(['1', '0', 'true', 'false'])
    .optional()
    .transform((v) => (v === undefined ? fallback : v === '1' || v === 'true'));
