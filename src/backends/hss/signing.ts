import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Huawei Cloud API Gateway AK/SK request signing ("API Request Signing Guide", SDK-HMAC-SHA256).
 * Pure functions, no I/O: the client signs with them and the simulator verifies with them, so
 * both sides agree byte for byte. Nothing here ever throws a message containing a key.
 */

export const SIGNING_ALGORITHM = 'SDK-HMAC-SHA256';
/** The gateway refuses a request whose X-Sdk-Date is further than this from its own clock. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

export type SigningQuery = Readonly<Record<string, string | readonly string[] | undefined>>;

export interface SignableRequest {
  readonly method: string;
  /** Path as sent on the wire (percent-encoded or not; it is normalised). */
  readonly path: string;
  readonly query?: SigningQuery;
  /** Header names in any case; only the signed ones are used. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export function sha256Hex(data: string): string {
  return createHash('sha256').update(data, 'utf8').digest('hex');
}

export function hmacSha256Hex(key: string, data: string): string {
  return createHmac('sha256', key).update(data, 'utf8').digest('hex');
}

/** RFC 3986 unreserved characters stay, everything else is %XX (stricter than encodeURIComponent). */
export function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Every segment decoded then re-encoded, and always a trailing `/` (the gateway's rule). */
export function canonicalUri(path: string): string {
  const encoded = path
    .split('/')
    .map((s) => rfc3986(safeDecode(s)))
    .join('/');
  return encoded.endsWith('/') ? encoded : `${encoded}/`;
}

/** Sorted `key=value` pairs joined by `&`; repeated keys give one pair per value, values sorted. */
export function canonicalQueryString(query: SigningQuery | undefined): string {
  if (!query) return '';
  const pairs: string[] = [];
  for (const key of Object.keys(query).sort()) {
    const value = query[key];
    if (value === undefined) continue;
    const values = typeof value === 'string' ? [value] : [...value].sort();
    for (const v of values) pairs.push(`${rfc3986(key)}=${rfc3986(v)}`);
  }
  return pairs.join('&');
}

/** Decoded query parameters (the simulator's view) in the shape the signer takes. */
export function queryFromSearchParams(params: URLSearchParams): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const key of new Set(params.keys())) out[key] = params.getAll(key);
  return out;
}

function lowerCaseHeaders(headers: Readonly<Record<string, string>>): Map<string, string> {
  return new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

export function canonicalHeaders(
  headers: Readonly<Record<string, string>>,
  signedHeaders: readonly string[],
): string {
  const lower = lowerCaseHeaders(headers);
  return signedHeaders.map((name) => `${name}:${(lower.get(name) ?? '').trim()}\n`).join('');
}

export function canonicalRequest(req: SignableRequest, signedHeaders: readonly string[]): string {
  return [
    req.method.toUpperCase(),
    canonicalUri(req.path),
    canonicalQueryString(req.query),
    canonicalHeaders(req.headers, signedHeaders),
    signedHeaders.join(';'),
    sha256Hex(req.body),
  ].join('\n');
}

export function stringToSign(canonical: string, sdkDate: string): string {
  return `${SIGNING_ALGORITHM}\n${sdkDate}\n${sha256Hex(canonical)}`;
}

export function signature(secretKey: string, toSign: string): string {
  return hmacSha256Hex(secretKey, toSign);
}

/** `YYYYMMDDTHHMMSSZ`, UTC. */
export function formatSdkDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** Epoch ms of an X-Sdk-Date value, or undefined when it is not one. */
export function parseSdkDate(value: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0] = m.slice(1).map(Number);
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Signed header names: lower-case, sorted, de-duplicated. */
export function signedHeaderNames(headers: Readonly<Record<string, string>>): string[] {
  return [...new Set(Object.keys(headers).map((k) => k.toLowerCase()))].sort();
}

export function authorizationHeader(
  accessKey: string,
  signedHeaders: readonly string[],
  sig: string,
): string {
  return `${SIGNING_ALGORITHM} Access=${accessKey}, SignedHeaders=${signedHeaders.join(';')}, Signature=${sig}`;
}

export interface ParsedAuthorization {
  readonly accessKey: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

export function parseAuthorization(value: string): ParsedAuthorization | undefined {
  const prefix = `${SIGNING_ALGORITHM} `;
  if (!value.startsWith(prefix)) return undefined;
  const parts = new Map<string, string>();
  for (const part of value.slice(prefix.length).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) parts.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const accessKey = parts.get('Access');
  const names = parts.get('SignedHeaders');
  const sig = parts.get('Signature');
  if (!accessKey || !names || !sig) return undefined;
  return { accessKey, signedHeaders: names.split(';').filter((n) => n !== ''), signature: sig };
}

export interface SigningInput {
  readonly method: string;
  readonly path: string;
  readonly query?: SigningQuery;
  /** `host` plus any other headers to sign (`content-type` when a body is sent). */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly accessKey: string;
  readonly secretKey: string;
  readonly date: Date;
}

/** The headers to add to a request: X-Sdk-Date and Authorization. Every given header is signed. */
export function sign(input: SigningInput): { 'X-Sdk-Date': string; Authorization: string } {
  const sdkDate = formatSdkDate(input.date);
  const headers = { ...input.headers, 'X-Sdk-Date': sdkDate };
  const names = signedHeaderNames(headers);
  const canonical = canonicalRequest({ ...input, headers }, names);
  const sig = signature(input.secretKey, stringToSign(canonical, sdkDate));
  return { 'X-Sdk-Date': sdkDate, Authorization: authorizationHeader(input.accessKey, names, sig) };
}

/** Why the gateway refuses a signature; `ok` when it accepts it. Reasons never contain keys. */
export type VerifyResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export interface VerifyInput {
  readonly request: SignableRequest;
  /** The Authorization header as received. */
  readonly authorization: string | undefined;
  /** Secret key of an access key, undefined for an unknown AK. */
  readonly secretFor: (accessKey: string) => string | undefined;
  readonly now: number;
}

/** What the gateway checks, in its order: form, AK, required signed headers, clock, signature. */
export function verify(input: VerifyInput): VerifyResult {
  const auth = input.authorization ? parseAuthorization(input.authorization) : undefined;
  if (!auth) return { ok: false, reason: 'missing or malformed Authorization header' };
  const secret = input.secretFor(auth.accessKey);
  if (secret === undefined) return { ok: false, reason: 'unknown access key' };
  const lower = lowerCaseHeaders(input.request.headers);
  for (const required of ['host', 'x-sdk-date']) {
    if (!auth.signedHeaders.includes(required))
      return { ok: false, reason: `${required} is not signed` };
  }
  const missing = auth.signedHeaders.find((n) => !lower.has(n));
  if (missing) return { ok: false, reason: `signed header ${missing} is absent` };
  const sdkDate = lower.get('x-sdk-date') ?? '';
  const at = parseSdkDate(sdkDate);
  if (at === undefined) return { ok: false, reason: 'X-Sdk-Date is not YYYYMMDDTHHMMSSZ' };
  if (Math.abs(input.now - at) > MAX_CLOCK_SKEW_MS) {
    return { ok: false, reason: 'X-Sdk-Date is more than 15 minutes off' };
  }
  const expected = signature(
    secret,
    stringToSign(canonicalRequest(input.request, auth.signedHeaders), sdkDate),
  );
  return sameHex(expected, auth.signature)
    ? { ok: true }
    : { ok: false, reason: 'signature mismatch' };
}

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b.toLowerCase());
  return x.length === y.length && timingSafeEqual(x, y);
}
