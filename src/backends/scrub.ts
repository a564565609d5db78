/**
 * Vendor text is not ours to repeat (SPEC §5: no error carries a credential, a session id or a
 * vendor body). Clients write their own error messages and keep only the vendor's code; what
 * little vendor text survives (a code, the reason a vendor task failed) goes through the
 * client's Scrubber first (one per endpoint). A vendor may echo anything we sent it: its error
 * for a refused login may quote the password, a 5xx may dump the request with its session header.
 */

const REDACTED = '[redacted]';
/** Session ids remembered per client: an old session may still be quoted after a re-login. */
const SESSIONS_KEPT = 8;
/** Longest vendor reason kept (task `details`): one line, enough to say why. */
const TEXT_MAX = 300;
/** Longest vendor code kept: codes are short tokens (`SYS.1006`, `HSS.0001`, `1850`). */
const CODE_MAX = 64;

export class Scrubber {
  private readonly secrets: string[] = [];
  private readonly sessions: string[] = [];

  /** `secrets`: every credential of the endpoint, in every form it is sent (hash, Basic value). */
  constructor(secrets: Iterable<string | undefined>) {
    for (const secret of secrets) this.addTo(this.secrets, secret);
  }

  /** A session id the vendor handed out; the last SESSIONS_KEPT are kept. */
  addSession(id: string): void {
    if (id === '' || this.sessions.includes(id)) return;
    this.sessions.push(id);
    if (this.sessions.length > SESSIONS_KEPT) this.sessions.shift();
  }

  /** `text` with every secret, every remembered session id and `extra` (a caller's) replaced. */
  scrub(text: string, extra: readonly (string | undefined)[] = []): string {
    const words: string[] = [...this.secrets];
    for (const secret of [...this.sessions, ...extra]) this.addTo(words, secret);
    // Longest first, so a secret containing another is replaced whole.
    words.sort((a, b) => b.length - a.length);
    let out = text;
    for (const word of words) if (out.includes(word)) out = out.split(word).join(REDACTED);
    return out;
  }

  /** A vendor's reason fit to show: scrubbed, on one line, at most TEXT_MAX characters. */
  text(
    text: string | null | undefined,
    extra: readonly (string | undefined)[] = [],
  ): string | undefined {
    if (text === null || text === undefined) return undefined;
    // Scrubbed before it is cut, so a cut never leaves half a secret unrecognised.
    const line = this.scrub(text.replace(/\s+/g, ' ').trim(), extra);
    const cut = line.length > TEXT_MAX ? `${line.slice(0, TEXT_MAX - 1)}…` : line;
    return cut === '' ? undefined : cut;
  }

  /** A vendor's error code: scrubbed and capped like any vendor text, absent when empty. */
  code(
    code: string | number | null | undefined,
    extra: readonly (string | undefined)[] = [],
  ): string | undefined {
    if (code === null || code === undefined) return undefined;
    const text = this.scrub(String(code).replace(/\s+/g, ' ').trim(), extra).slice(0, CODE_MAX);
    return text === '' ? undefined : text;
  }

  /** The value as sent and as URL/form encoding would carry it (a vendor echoing a query or form). */
  private addTo(list: string[], value: string | undefined): void {
    if (value === undefined || value === '') return;
    const forms = new Set([
      value,
      encodeURIComponent(value),
      new URLSearchParams({ v: value }).toString().slice(2),
    ]);
    for (const form of forms) if (!list.includes(form)) list.push(form);
  }
}
