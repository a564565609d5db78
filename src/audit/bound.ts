import type { Json } from './types.ts';

/**
 * What one audit entry keeps of a mutation's arguments (issue 25 point 4): a caller decides how
 * large its arguments are, and every entry is kept AUDIT_RETENTION_DAYS and logged, so the trail
 * keeps a bounded copy. Values past these bounds are cut, and the cut says so where it happened.
 */
export const AUDIT_ARGUMENT_LIMITS = {
  /** Characters of one string value; the rest is replaced by `…[+N chars]`. */
  stringChars: 256,
  /** Characters of one object key (JSON scalar inputs have caller-chosen keys). */
  keyChars: 64,
  /** Items of one list, fields of one object; the rest are counted in a marker. */
  items: 100,
  /** Nesting below the arguments object; deeper values read `[nested too deep]`. */
  depth: 8,
  /** UTF-8 bytes of the whole arguments JSON. */
  bytes: 4096,
} as const;

/** The key of the marker an object cut short gets; its value says how many fields went. */
export const TRUNCATED_KEY = '[truncated]';
const TOO_DEEP = '[nested too deep]';
/** Room each open container may need for its marker once the byte budget is spent. */
const MARKER_BYTES = 48;

export interface Bounded {
  readonly value: Json;
  /** Whether anything was cut. */
  readonly truncated: boolean;
}

/**
 * A bounded copy of (already redacted) arguments: strings, keys, lists, objects and nesting cut
 * as AUDIT_ARGUMENT_LIMITS says, members kept in order until the byte budget is spent. The work
 * is bounded by what is kept, not by what was given.
 */
export function boundArguments(value: Json): Bounded {
  const limits = AUDIT_ARGUMENT_LIMITS;
  const walk = new Walk(limits.bytes - (limits.depth + 1) * MARKER_BYTES);
  const bounded = walk.value(value, 0);
  // The budget keeps room for every marker; this holds whatever a future marker spells.
  if (jsonBytes(bounded) > limits.bytes) {
    return { value: { [TRUNCATED_KEY]: 'arguments too large to keep' }, truncated: true };
  }
  return { value: bounded, truncated: walk.truncated };
}

/** A caller-given text (an endpoint name, a target id) cut to AUDIT_ARGUMENT_LIMITS.stringChars. */
export function boundText(text: string): string {
  return text.length > AUDIT_ARGUMENT_LIMITS.stringChars
    ? cutString(text, AUDIT_ARGUMENT_LIMITS.stringChars)
    : text;
}

class Walk {
  truncated = false;

  constructor(private left: number) {}

  value(value: Json, depth: number): Json {
    if (typeof value === 'string') return this.string(value);
    if (value === null || typeof value !== 'object') {
      this.left -= jsonBytes(value) + 1;
      return value;
    }
    if (depth >= AUDIT_ARGUMENT_LIMITS.depth) {
      this.truncated = true;
      this.left -= TOO_DEEP.length + 3;
      return TOO_DEEP;
    }
    return isList(value) ? this.list(value, depth) : this.object(value, depth);
  }

  private list(items: readonly Json[], depth: number): Json {
    const out: Json[] = [];
    this.left -= 2;
    for (const item of items) {
      if (this.left <= 0 || out.length === AUDIT_ARGUMENT_LIMITS.items) break;
      out.push(this.value(item, depth + 1));
    }
    if (out.length < items.length) {
      this.truncated = true;
      out.push(`[+${items.length - out.length} more items]`);
    }
    return out;
  }

  private object(object: { readonly [k: string]: Json }, depth: number): Json {
    const out: Record<string, Json> = {};
    const entries = Object.entries(object);
    let kept = 0;
    this.left -= 2;
    for (const [key, item] of entries) {
      if (this.left <= 0 || kept === AUDIT_ARGUMENT_LIMITS.items) break;
      let name = key;
      if (key.length > AUDIT_ARGUMENT_LIMITS.keyChars) {
        this.truncated = true;
        name = cutString(key, AUDIT_ARGUMENT_LIMITS.keyChars);
      }
      kept++;
      // Two keys alike once cut: the first stands, the second counts as cut.
      if (Object.hasOwn(out, name) || name === TRUNCATED_KEY) continue;
      this.left -= jsonBytes(name) + 1;
      out[name] = this.value(item, depth + 1);
    }
    if (Object.keys(out).length < entries.length) {
      this.truncated = true;
      out[TRUNCATED_KEY] = `+${entries.length - Object.keys(out).length} more fields`;
    }
    return out;
  }

  private string(text: string): Json {
    let kept = text;
    if (kept.length > AUDIT_ARGUMENT_LIMITS.stringChars) {
      kept = cutString(kept, AUDIT_ARGUMENT_LIMITS.stringChars);
    }
    // What is left of the budget caps the string too (never below a marker's worth).
    const room = Math.max(this.left, MARKER_BYTES);
    if (jsonBytes(kept) > room) kept = fitString(text, room);
    if (kept !== text) this.truncated = true;
    this.left -= jsonBytes(kept) + 1;
    return kept;
  }
}

/** `text` cut to `chars` characters (never half a surrogate pair), saying how many went. */
function cutString(text: string, chars: number): string {
  let end = chars;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}…[+${text.length - end} chars]`;
}

/** The longest cut of `text` whose JSON fits in `bytes` (binary search on the length). */
function fitString(text: string, bytes: number): string {
  let lo = 0;
  let hi = Math.min(text.length, AUDIT_ARGUMENT_LIMITS.stringChars);
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (jsonBytes(cutString(text, mid)) <= bytes) lo = mid;
    else hi = mid - 1;
  }
  return cutString(text, lo);
}

function isList(value: object): value is readonly Json[] {
  return Array.isArray(value);
}

function jsonBytes(value: Json): number {
  return Buffer.byteLength(JSON.stringify(value));
}
