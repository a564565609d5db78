/**
 * Content-coding negotiation (RFC 9110 §12.5.3) for the answers plugin-graph compresses: the
 * GraphiQL page (graphiql.ts) and large JSON answers (compress-answer.ts). Only `br` and `gzip`
 * are offered; everything else a client lists is ignored.
 */

export type Encoding = 'br' | 'gzip' | 'identity';

/** On a tie of q-values, the smaller output first (brotli is ~25 % smaller than gzip on JSON). */
const PREFERENCE: readonly Encoding[] = ['br', 'gzip', 'identity'];

/** A qvalue as RFC 9110 writes it: 0 to 1 with at most three decimals. */
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

/**
 * The coding to answer with for an `Accept-Encoding` header: the highest q-value of br, gzip and
 * identity, a tie going to PREFERENCE's order. `*` stands for every coding the header does not
 * name; `q=0` refuses a coding. Identity, when neither named nor covered by `*`, is acceptable
 * at the lowest q-value the header gives (as the `negotiator` package behind Express rates
 * it): `br;q=0.5, gzip;q=0.5` asks for compression, not for identity at an implied 1. When
 * everything is refused the answer is identity all the same, as most servers do, rather than a
 * 406 for a page or an answer the client asked for.
 */
export function negotiateEncoding(header: string | null | undefined): Encoding {
  if (!header) return 'identity';
  const named = new Map<string, number>();
  let star: number | undefined;
  let lowest = 1;
  for (const part of header.split(',')) {
    const [token = '', ...params] = part.split(';');
    const coding = token.trim().toLowerCase();
    if (coding === '') continue;
    let q = 1;
    for (const param of params) {
      const [key = '', value = ''] = param.split('=').map((s) => s.trim());
      // A malformed q-value makes the entry unusable: not a reason to compress.
      if (key.toLowerCase() === 'q') q = QVALUE.test(value) ? Number(value) : 0;
    }
    if (q > 0) lowest = Math.min(lowest, q);
    if (coding === '*') star = q;
    // x-gzip is gzip's old name (RFC 9110 §8.4.1.3).
    else named.set(coding === 'x-gzip' ? 'gzip' : coding, q);
  }
  const qOf = (coding: Encoding) =>
    named.get(coding) ?? star ?? (coding === 'identity' ? lowest : 0);
  let best: Encoding = 'identity';
  let bestQ = 0;
  for (const coding of PREFERENCE) {
    const q = qOf(coding);
    if (q > bestQ) {
      best = coding;
      bestQ = q;
    }
  }
  return best;
}

/** `existing` Vary header value with `names` added (each once, case-insensitively). */
export function withVary(existing: string | null, ...names: string[]): string {
  const listed = (existing ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (listed.includes('*')) return '*';
  const lower = new Set(listed.map((s) => s.toLowerCase()));
  for (const name of names) if (!lower.has(name.toLowerCase())) listed.push(name);
  return listed.join(', ');
}
