import { describe, expect, it } from 'vitest';
import { withVendorCode } from '../../src/backends/errors.ts';
import { Scrubber } from '../../src/backends/scrub.ts';

describe('Scrubber', () => {
  it('replaces every secret, its URL and form encodings, and remembered session ids', () => {
    const scrubber = new Scrubber(['p@ss word/1', undefined, '']);
    scrubber.addSession('sess-0123456789');
    const text = 'a p@ss word/1 b p%40ss%20word%2F1 c p%40ss+word%2F1 d sess-0123456789';
    expect(scrubber.scrub(text)).toBe('a [redacted] b [redacted] c [redacted] d [redacted]');
  });

  it("replaces a secret holding another one whole, and a caller's extra secrets", () => {
    const scrubber = new Scrubber(['abc', 'abcdef']);
    expect(scrubber.scrub('x abcdef y abc z caller-1', ['caller-1'])).toBe(
      'x [redacted] y [redacted] z [redacted]',
    );
  });

  it('keeps the last session ids, not every one ever seen', () => {
    const scrubber = new Scrubber([]);
    for (let i = 0; i < 100; i++) scrubber.addSession(`session-${String(i).padStart(3, '0')}`);
    expect(scrubber.scrub('session-099 session-093')).toBe('[redacted] [redacted]');
    expect(scrubber.scrub('session-000')).toBe('session-000');
  });

  it('vendor text: one line, scrubbed before it is cut, absent when empty', () => {
    const secret = 'S'.repeat(40);
    const scrubber = new Scrubber([secret]);
    const text = scrubber.text(`${'x'.repeat(280)}\n\n ${secret} tail`);
    expect(text).not.toContain('S');
    expect(text?.length).toBeLessThanOrEqual(300);
    expect(text).not.toMatch(/\n/);
    expect(scrubber.text('  ')).toBeUndefined();
    expect(scrubber.text(null)).toBeUndefined();
  });

  it('vendor codes: scrubbed and capped, numbers as text', () => {
    const scrubber = new Scrubber(['topsecret']);
    expect(scrubber.code('SYS.1006')).toBe('SYS.1006');
    expect(scrubber.code(1850)).toBe('1850');
    expect(scrubber.code('topsecret')).toBe('[redacted]');
    expect(scrubber.code('C'.repeat(500))?.length).toBe(64);
    expect(scrubber.code(undefined)).toBeUndefined();
  });

  it('our sentences name the vendor code when there is one', () => {
    expect(withVendorCode('HSS refused the request', 'HSS.0001')).toBe(
      'HSS refused the request (code HSS.0001).',
    );
    expect(withVendorCode('ZStack refused the request (HTTP 400)', undefined)).toBe(
      'ZStack refused the request (HTTP 400).',
    );
  });
});
