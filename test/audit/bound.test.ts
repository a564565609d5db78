import { describe, expect, it } from 'vitest';
import {
  boundArguments,
  boundText,
  AUDIT_ARGUMENT_LIMITS as LIMITS,
  TRUNCATED_KEY,
} from '../../src/audit/bound.ts';
import type { Json } from '../../src/audit/types.ts';

const bytes = (value: Json) => Buffer.byteLength(JSON.stringify(value));

describe('boundArguments', () => {
  it('leaves small arguments whole and unflagged', () => {
    const args = { input: { version: '9.0.3.0', hostIds: ['a', 'b'], operateAll: false, n: 3 } };
    expect(boundArguments(args)).toEqual({ value: args, truncated: false });
  });

  it('cuts long strings and says how much went, never splitting a surrogate pair', () => {
    const long = boundArguments({ v: 'y'.repeat(1_000) });
    expect(long).toEqual({
      value: { v: `${'y'.repeat(LIMITS.stringChars)}…[+${1_000 - LIMITS.stringChars} chars]` },
      truncated: true,
    });
    // A pair straddling the cut is dropped whole.
    const emoji = `${'z'.repeat(LIMITS.stringChars - 1)}😀tail`;
    const cut = (boundArguments({ e: emoji }).value as { e: string }).e;
    expect(cut).toBe(`${'z'.repeat(LIMITS.stringChars - 1)}…[+6 chars]`);
  });

  it('caps items, fields, keys and nesting, with markers where it cut', () => {
    const list = Array.from({ length: LIMITS.items + 50 }, (_, i) => i);
    const many = Object.fromEntries(list.map((i) => [`k${i}`, i]));
    const deep: Json = Array.from({ length: LIMITS.depth + 5 }).reduce<Json>(
      (inner) => ({ d: inner }),
      'bottom',
    );
    const { value, truncated } = boundArguments({ list, many, ['q'.repeat(500)]: 1, deep });
    expect(truncated).toBe(true);
    const out = value as Record<string, Json>;
    const items = out.list as Json[];
    expect(items.at(-1)).toMatch(/^\[\+\d+ more items\]$/);
    expect((out.many as Record<string, Json>)[TRUNCATED_KEY]).toMatch(/^\+\d+ more fields$/);
    const key = Object.keys(out).find((k) => k.startsWith('q'));
    expect(key).toBe(`${'q'.repeat(LIMITS.keyChars)}…[+${500 - LIMITS.keyChars} chars]`);
    expect(JSON.stringify(out.deep)).toContain('[nested too deep]');
    expect(bytes(value)).toBeLessThanOrEqual(LIMITS.bytes);
  });

  it('holds the whole to LIMITS.bytes, whatever the shape and characters', () => {
    const shapes: Json[] = [
      {
        input: Object.fromEntries(Array.from({ length: 90 }, (_, i) => [`f${i}`, 'a'.repeat(300)])),
      },
      { input: { list: Array.from({ length: 99 }, () => '\u0001'.repeat(255)) } },
      { input: { list: Array.from({ length: 99 }, () => '€'.repeat(255)) } },
      {
        [`${'\u0002'.repeat(64)}`]: Array.from({ length: 99 }, () => ({
          [`${'\u0003'.repeat(64)}`]: 'é'.repeat(300),
        })),
      },
    ];
    for (const shape of shapes) {
      const { value, truncated } = boundArguments(shape);
      expect(truncated).toBe(true);
      expect(bytes(value)).toBeLessThanOrEqual(LIMITS.bytes);
      // What is kept is still the caller's data, not only markers.
      expect(bytes(value)).toBeGreaterThan(LIMITS.bytes / 4);
    }
  });

  it('boundText cuts a caller-given name the same way', () => {
    expect(boundText('endpoint-a')).toBe('endpoint-a');
    expect(boundText('e'.repeat(10_000))).toHaveLength(
      LIMITS.stringChars + '…[+9744 chars]'.length,
    );
  });
});
