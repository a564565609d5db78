import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { BackendName } from '../domain/backend.ts';
import { boundArguments, boundText } from './bound.ts';
import { logFields } from './log-line.ts';
import { REDACTED, redactArguments } from './redact.ts';
import { RefusalCounter } from './refusals.ts';
import type {
  Actor,
  AuditCompletion,
  AuditEntry,
  AuditQuery,
  AuditStart,
  AuditStore,
} from './types.ts';

export interface AuditTrailOptions {
  readonly store: AuditStore;
  readonly logger: Logger;
  /** Every configured secret (config.secrets): an argument equal to one is redacted. */
  readonly secrets: readonly string[];
  /** AUDIT_RETENTION_DAYS: older entries are deleted. */
  readonly retentionDays: number;
  readonly now?: () => number;
}

/** What a mutation tells the trail before its vendor call. */
export interface AuditBegin {
  readonly actor: Actor;
  readonly operation: string;
  readonly backend?: BackendName | undefined;
  readonly endpoint?: string | undefined;
  /** The field's arguments as GraphQL handed them in; redacted and bounded here. */
  readonly arguments: unknown;
}

/** One mutation field of a refused document; its arguments are read only if they are kept. */
export interface RefusedField {
  readonly operation: string;
  readonly arguments: () => unknown;
}

/** How often retention runs, at most (on the next write after this long). */
const TRIM_EVERY_MS = 60 * 60 * 1000;

/**
 * The audit trail (SPEC §11): every mutation is one entry, written before the vendor is called
 * (`begin`: a store that refuses it fails the mutation, which then never reaches the vendor) and
 * completed with its outcome (`complete`), which is also one pino line `audit` at info. What an
 * entry keeps of caller-given values is bounded (bound.ts), and a caller's refused attempts past
 * a rate are counted rather than stored each (refusals.ts): no caller grows the trail or the log
 * faster than those bounds allow.
 */
export class AuditTrail {
  private readonly secrets: ReadonlySet<string>;
  private readonly now: () => number;
  private lastTrim = Number.NEGATIVE_INFINITY;
  private readonly refusals: RefusalCounter;

  constructor(private readonly options: AuditTrailOptions) {
    this.secrets = new Set(options.secrets);
    this.now = options.now ?? Date.now;
    this.refusals = new RefusalCounter(options.store, options.logger, this.now);
  }

  /** The first write; throws (StoreUnavailableError) when the store cannot take it. */
  async begin(begin: AuditBegin): Promise<AuditStart> {
    const args = boundArguments(redactArguments(begin.arguments, this.secrets));
    const start: AuditStart = {
      id: randomUUID(),
      at: new Date(this.now()),
      actor: { name: begin.actor.name, role: begin.actor.role, via: begin.actor.via },
      operation: begin.operation,
      ...(begin.backend !== undefined && { backend: begin.backend }),
      ...(begin.endpoint !== undefined && { endpoint: boundText(begin.endpoint) }),
      arguments: args.value,
      ...(args.truncated && { argumentsTruncated: true as const }),
    };
    await this.options.store.begin(start);
    this.trimNowAndThen();
    return start;
  }

  /**
   * The outcome, and its log line. Never throws: the mutation's own result stands whatever the
   * store does; an entry whose completion the store refused reads FAILED / INTERRUPTED later.
   */
  async complete(start: AuditStart, done: AuditCompletion): Promise<void> {
    // A target id is built from arguments (`appliance:<version>`): one holding a secret is
    // hidden, and like the endpoint name it is bounded.
    const target = done.target;
    const leaks = target !== undefined && [...this.secrets].some((s) => target.id.includes(s));
    const completion: AuditCompletion = {
      ...done,
      ...(done.endpoint !== undefined && { endpoint: boundText(done.endpoint) }),
      ...(target !== undefined && {
        target: { ...target, id: leaks ? REDACTED : boundText(target.id) },
      }),
    };
    const entry: AuditEntry = { ...start, ...completion };
    try {
      await this.options.store.complete(start.id, completion);
    } catch (err) {
      this.options.logger.warn({ err, auditId: start.id }, 'audit completion not stored');
    }
    this.options.logger.info(logFields(entry), 'audit');
  }

  /** One entry written whole: a mutation refused before any resolver ran (FORBIDDEN). */
  async record(begin: AuditBegin, completion: AuditCompletion): Promise<void> {
    const start = await this.begin(begin);
    await this.complete(start, completion);
  }

  /**
   * A viewer's refused document (FORBIDDEN, before any resolver ran): one entry per mutation
   * field while the caller is within REFUSAL_RATE, the rest counted (refusals.ts).
   */
  async refuse(actor: Actor, fields: readonly RefusedField[]): Promise<void> {
    const own = await this.refusals.admit(actor, fields.length);
    for (const field of fields.slice(0, own)) {
      await this.record(
        { actor, operation: field.operation, arguments: field.arguments() },
        { outcome: 'FORBIDDEN', errorCode: 'FORBIDDEN' },
      );
    }
    const counts = new Map<string, number>();
    for (const field of fields.slice(own))
      counts.set(field.operation, (counts.get(field.operation) ?? 0) + 1);
    await Promise.all(
      [...counts].map(([operation, n]) => this.refusals.count(actor, operation, n)),
    );
  }

  get(id: string): Promise<AuditEntry | undefined> {
    return this.options.store.get(id);
  }

  page(query: AuditQuery): Promise<AuditEntry[]> {
    return this.options.store.page(query);
  }

  /** Deletes entries older than AUDIT_RETENTION_DAYS; how many went. */
  trim(): Promise<number> {
    this.lastTrim = this.now();
    const days = this.options.retentionDays;
    return this.options.store.trim(new Date(this.now() - days * 24 * 60 * 60 * 1000));
  }

  /** Settles and logs counted refusals, then closes the store. */
  async close(): Promise<void> {
    await this.refusals.close();
    await this.options.store.close();
  }

  /** Retention runs in the background on a write, at most hourly: no timer to keep alive. */
  private trimNowAndThen(): void {
    if (this.now() - this.lastTrim < TRIM_EVERY_MS) return;
    this.trim().catch((err: unknown) =>
      this.options.logger.warn({ err }, 'audit retention failed; will retry'),
    );
  }
}
