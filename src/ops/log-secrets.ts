import type { Scrub } from './bounded.ts';

/**
 * The last line of defence for secrets in logs (issue 25): every configured secret is replaced
 * in each written line, whatever field, level or library put it there. The first line of
 * defence stays that no credential is put into a log record at all (logger.ts, store/redis.ts).
 */

export const REDACTED = '[redacted]';

/**
 * Shorter secrets are not looked for: a three-letter password would be "found" in every other
 * word of every line, and the line would say nothing any more. Such a secret is no secret.
 */
export const MIN_SCRUBBED_SECRET = 6;

/**
 * What replaces every configured secret in a string: as given, as JSON writes it inside a string
 * (a quote or backslash escaped, once or twice for JSON within JSON), and as a URL carries it
 * (percent-encoded). Identity when there is none to look for.
 */
export function secretScrubber(secrets: Iterable<string>): Scrub {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < MIN_SCRUBBED_SECRET) continue;
    const once = JSON.stringify(secret).slice(1, -1);
    for (const form of [
      secret,
      once,
      JSON.stringify(once).slice(1, -1),
      encodeURIComponent(secret),
    ])
      forms.add(form);
  }
  // Longest first: a secret that contains another is replaced whole.
  const ordered = [...forms].sort((a, b) => b.length - a.length);
  if (ordered.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const form of ordered) if (out.includes(form)) out = out.split(form).join(REDACTED);
    return out;
  };
}

/**
 * The secrets a connection URL carries: its password (as written and decoded) and a `password`
 * query parameter, which ioredis also reads. The user name is no secret.
 */
export function urlSecrets(url: string | undefined): string[] {
  if (url === undefined) return [];
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [];
  }
  const found: string[] = [];
  if (parsed.password) found.push(parsed.password, safeDecode(parsed.password));
  const query = parsed.searchParams.get('password');
  if (query) found.push(query);
  return [...new Set(found)];
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
