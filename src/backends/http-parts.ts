/**
 * The pure parts of a vendor exchange http.ts builds and reads: the path check, the query
 * string, a response header.
 */

export type QueryValue = string | number | boolean | undefined | readonly string[];

/**
 * Whether a path (`/a/b`, below the base URL) has a segment that is empty, `.` or `..`, also once
 * percent-decoded (`%2e%2e`, `.%2E`, `%252e%252e`) or split at an encoded slash or backslash
 * (`..%2f`), since a proxy or the vendor's framework may decode before it resolves.
 */
export function hasUnsafeSegment(path: string): boolean {
  if (!path.startsWith('/')) return true;
  // Only the path part: a query (none should be here, encodeQuery adds it) is not segments.
  const segments = (path.split(/[?#]/, 1)[0] ?? '').slice(1).split('/');
  return segments.some((segment) => {
    let text = segment;
    // A few rounds cover double encoding; a bound keeps a hostile path from costing more.
    for (let round = 0; round < 4; round++) {
      if (text.split(/[/\\]/).some((part) => part === '' || part === '.' || part === '..')) {
        return true;
      }
      const decoded = percentDecode(text);
      if (decoded === text) return false;
      text = decoded;
    }
    return true;
  });
}

/** decodeURIComponent that leaves malformed escapes as they are instead of throwing. */
function percentDecode(text: string): string {
  return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

export function encodeQuery(query: Readonly<Record<string, QueryValue>> | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) params.append(key, v);
    else params.append(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** First value of a response header, lower-case name. */
export function header(
  res: { readonly headers: Readonly<Record<string, string | string[] | undefined>> },
  name: string,
): string | undefined {
  const value = res.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
