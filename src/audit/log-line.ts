import type { AuditEntry } from './types.ts';

/**
 * An entry's fields for its pino line `audit`: the entry as stored (redacted, bounded arguments;
 * ids), so a line is as bounded as the entry it reports.
 */
export function logFields(entry: AuditEntry): Record<string, unknown> {
  return {
    auditId: entry.id,
    at: entry.at.toISOString(),
    actor: entry.actor,
    operation: entry.operation,
    backend: entry.backend,
    endpoint: entry.endpoint,
    target: entry.target,
    arguments: entry.arguments,
    argumentsTruncated: entry.argumentsTruncated,
    attempts: entry.attempts,
    outcome: entry.outcome,
    errorCode: entry.errorCode,
    taskId: entry.taskId,
  };
}
