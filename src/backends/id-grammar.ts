import { z } from 'zod';
import { type FieldProblem, ValidationError } from '../domain/errors.ts';

/**
 * Vendor id grammars (each vendor's own in `<vendor>/ids.ts`). An id that reaches a vendor path,
 * query or form must match its vendor's grammar first: ASCII only (so no lone surrogate can make
 * `encodeURIComponent` throw), no whitespace around it (`" ID7"` would dodge the conflict lock
 * that `"ID7"` takes), bounded, and never `.`, `..` or empty (dot segments re-route a vendor
 * request). The checks run in this order, and the first that fails names the problem.
 */
export type IdGrammar = z.ZodType<string, string>;

export interface IdGrammarSpec {
  /** Longest id accepted. */
  readonly max: number;
  /** The whole id, anchored; must refuse `.` and `..` on its own. */
  readonly pattern: RegExp;
  /** What the pattern means, for the ValidationError (`must be …`). */
  readonly description: string;
}

export function idGrammar(spec: IdGrammarSpec): z.ZodString {
  return z
    .string()
    .min(1, 'must not be empty')
    .max(spec.max, `must be at most ${spec.max} characters`)
    .refine((v) => v.trim() === v, 'must not start or end with whitespace')
    .regex(spec.pattern, `must be ${spec.description}`);
}

/** The problem of `value` under `grammar`, at `path`; undefined when it is a valid id. */
export function idProblem(
  grammar: IdGrammar,
  value: string,
  path: readonly string[],
): FieldProblem | undefined {
  const parsed = grammar.safeParse(value);
  if (parsed.success) return undefined;
  return { path, message: parsed.error.issues[0]?.message ?? 'is not a valid id' };
}

/** `value` as the grammar's canonical id, or a ValidationError naming `path`. */
export function parseId(grammar: IdGrammar, value: string, path: readonly string[]): string {
  const parsed = grammar.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new ValidationError([
    { path, message: parsed.error.issues[0]?.message ?? 'is not a valid id' },
  ]);
}
