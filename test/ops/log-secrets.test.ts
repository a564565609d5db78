import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/ops/logger.ts';

/**
 * Issue 25.3, the last line of defence: the process's logger (src/server.ts builds it with every
 * configured secret and the Redis password) replaces a configured secret wherever it appears in a
 * line, at any level, however it was written there: in the message, a nested field, an error's
 * message or extra fields, JSON-escaped, percent-encoded, or in a string cut for length.
 */

const PLAIN = 'plain-secret-Abc123xyz';
const QUOTED = 'quo"te\\secret-77Kd';
const URLISH = 'p@ss/w?rd&x=1-Rt5';
const SECRETS = [PLAIN, QUOTED, URLISH];
/** How each may show in a JSON line: as is, escaped once or twice, percent-encoded. */
const forms = (s: string) => [
  s,
  JSON.stringify(s).slice(1, -1),
  JSON.stringify(JSON.stringify(s).slice(1, -1)).slice(1, -1),
  encodeURIComponent(s),
];

describe('the logger replaces every configured secret', () => {
  it('in any field, at any level, escaped, encoded or cut', () => {
    const lines: string[] = [];
    const logger = createLogger(
      'trace',
      { write: (line: string) => void lines.push(line) },
      { secrets: SECRETS },
    );
    for (const secret of SECRETS) {
      logger.trace(`message with ${secret}`);
      logger.debug({ nested: { deeper: [`a ${secret} b`] } }, 'nested');
      logger.info({ json: JSON.stringify({ inner: secret }) }, 'json within json');
      logger.info({ url: `redis://user:${encodeURIComponent(secret)}@127.0.0.1:6379` }, 'url');
      // A long string cut to its bound with the secret across the cut.
      logger.warn({ long: `${'x'.repeat(995)}${secret}${'y'.repeat(5_000)}` }, 'long');
      const err = Object.assign(new Error(`refused ${secret}`), {
        command: { name: 'auth', args: [secret] },
      });
      logger.error({ err }, 'error with a command');
      logger.fatal(err);
    }
    expect(lines.length).toBe(SECRETS.length * 7);
    for (const line of lines) JSON.parse(line); // every line stays JSON
    const text = lines.join('');
    const leaks = SECRETS.flatMap(forms).filter((form) => text.includes(form));
    expect(leaks).toEqual([]);
    // Nor any piece of one cut in half (the first 8 characters of each).
    expect(SECRETS.filter((s) => text.includes(s.slice(0, 8)))).toEqual([]);
    expect(text).toContain('[redacted]');
    expect(text).not.toContain('"command"');
  });
});
