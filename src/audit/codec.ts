import { z } from 'zod';
import { BACKENDS } from '../domain/backend.ts';
import { AUDIT_OUTCOMES, type AuditEntry, type Json } from './types.ts';

const json: z.ZodType<Json> = z.lazy(() =>
  z.union([
    z.string(),
    z.number(),
    z.boolean(),
    z.null(),
    z.array(json),
    z.record(z.string(), json),
  ]),
);

/**
 * An entry as SQLite and Redis keep it (JSON, `at` as ISO text), checked when read back: a row
 * another version wrote, or one edited by hand, is refused rather than served half-parsed.
 */
const storedEntry = z.object({
  id: z.string().min(1),
  at: z.iso.datetime().transform((text) => new Date(text)),
  actor: z.object({
    name: z.string(),
    role: z.enum(['viewer', 'operator']),
    via: z.enum(['token', 'jwt', 'demo']),
  }),
  operation: z.string(),
  backend: z.enum(BACKENDS).optional(),
  endpoint: z.string().optional(),
  arguments: json.optional(),
  argumentsTruncated: z.literal(true).optional(),
  attempts: z.number().int().positive().optional(),
  outcome: z.enum(AUDIT_OUTCOMES).optional(),
  errorCode: z.string().optional(),
  target: z
    .object({ type: z.enum(['Plugin', 'Host', 'Installation', 'Update']), id: z.string() })
    .optional(),
  taskId: z.string().optional(),
});

export function encodeEntry(entry: AuditEntry): string {
  return JSON.stringify(entry);
}

export function decodeEntry(text: string): AuditEntry {
  const parsed = storedEntry.parse(JSON.parse(text));
  // Optional keys zod left undefined are dropped, as the entry was written.
  return Object.fromEntries(
    Object.entries(parsed).filter(([, v]) => v !== undefined),
  ) as unknown as AuditEntry;
}
