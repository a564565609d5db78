/**
 * A rate control as fleet tools give it: `"N"` units, or `"N%"` of all units. Undefined for any
 * other text (the caller names the field in its ValidationError).
 */
export function parseRate(
  text: string,
): { readonly n: number; readonly percent: boolean } | undefined {
  const match = /^\s*(\d{1,9})\s*(%?)\s*$/.exec(text);
  if (!match) return undefined;
  const percent = match[2] === '%';
  const n = Number(match[1]);
  if (percent && n > 100) return undefined;
  return { n, percent };
}

/**
 * `maxConcurrency` against the unit count: a percentage rounds down but never below 1 (a
 * rollout always makes progress), a number is capped at the unit count.
 */
export function resolveConcurrency(rate: { n: number; percent: boolean }, total: number): number {
  const n = rate.percent ? Math.floor((total * rate.n) / 100) : rate.n;
  return Math.max(1, Math.min(n, Math.max(total, 1)));
}

/** `maxErrors` against the unit count: failed units tolerated; a percentage rounds down. */
export function resolveErrors(rate: { n: number; percent: boolean }, total: number): number {
  return rate.percent ? Math.floor((total * rate.n) / 100) : rate.n;
}
