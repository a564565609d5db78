import type { BackendName } from '../domain/backend.ts';
import type { Actor, TaskTarget } from '../tasks/types.ts';

/** How a mutation ended (SPEC §11). */
export const AUDIT_OUTCOMES = ['ACCEPTED', 'REJECTED', 'FAILED', 'FORBIDDEN'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/**
 * The errorCode of an entry whose completion never came: the process was killed (or the store
 * refused the completion) between the first write and the outcome. It reads as FAILED.
 */
export const INTERRUPTED = 'INTERRUPTED';

/** JSON as it is stored: what a mutation's arguments are once redacted. */
export type Json =
  | string
  | number
  | boolean
  | null
  | readonly Json[]
  | { readonly [k: string]: Json };

/** Who acted, as the entry keeps it (the Caller: a name, never what proved it). */
export type { Actor };

/** What the first write holds: everything known before the vendor is called. */
export interface AuditStart {
  /** Ours (a UUID); the graph's global id is `AuditEntry:<id>`. */
  readonly id: string;
  readonly at: Date;
  readonly actor: Actor;
  /** The mutation field (`installUpdate`). */
  readonly operation: string;
  readonly backend?: BackendName | undefined;
  readonly endpoint?: string | undefined;
  /** The field's arguments, secrets replaced by "[redacted]" (redact.ts), bounded (bound.ts). */
  readonly arguments?: Json | undefined;
  /** Present (true) when `arguments` is a cut copy, or not kept at all (a counted entry). */
  readonly argumentsTruncated?: true | undefined;
  /**
   * How many refused attempts this entry stands for, when more than one caller's refusals past
   * the rate are counted in it (refusals.ts); absent: one.
   */
  readonly attempts?: number | undefined;
}

/** What the second write adds. */
export interface AuditCompletion {
  readonly outcome: AuditOutcome;
  readonly errorCode?: string | undefined;
  readonly endpoint?: string | undefined;
  readonly target?: TaskTarget | undefined;
  /** The task the mutation started (ACCEPTED). */
  readonly taskId?: string | undefined;
}

/** One entry; `outcome` is absent while its mutation runs (or when its completion never came). */
export interface AuditEntry extends AuditStart, Partial<AuditCompletion> {}

/** A place in the newest-first order: time, then id (ties of one millisecond). */
export interface AuditPlace {
  readonly at: Date;
  readonly id: string;
}

export interface AuditQuery {
  /** Only this actor's entries (by name). */
  readonly actor?: string | undefined;
  /** Only this mutation field's entries. */
  readonly operation?: string | undefined;
  /** Only entries at or after this instant. */
  readonly since?: Date | undefined;
  /** Only entries strictly older than this place (paging forwards). */
  readonly olderThan?: AuditPlace | undefined;
  /** Only entries strictly newer than this place (paging backwards). */
  readonly newerThan?: AuditPlace | undefined;
  /** Scoped access (SPEC §14): only the entries `inScope` of it; absent: every entry. */
  readonly scope?: AuditScope | undefined;
  readonly limit: number;
  /** Oldest first (for `last`/`before`); default newest first. */
  readonly oldestFirst?: boolean | undefined;
}

/**
 * Where entries live: memory (demo mode), SQLite (data dir), Redis (REDIS_URL). A call that cannot
 * reach the store throws StoreUnavailableError (store/errors.ts).
 */
export interface AuditStore {
  /** The first write, before the vendor is called. */
  begin(start: AuditStart): Promise<void>;
  /** The outcome. An entry already completed keeps its first outcome. */
  complete(id: string, completion: AuditCompletion): Promise<void>;
  get(id: string): Promise<AuditEntry | undefined>;
  /** Entries matching `query` in its order, at most `query.limit`. */
  page(query: AuditQuery): Promise<AuditEntry[]>;
  /** Sets a counted entry's `attempts` (refusals.ts); this instance alone writes that entry. */
  recount(id: string, attempts: number): Promise<void>;
  /** Deletes entries older than `before` (AUDIT_RETENTION_DAYS); how many went. */
  trim(before: Date): Promise<number>;
  close(): Promise<void>;
}

/** Newest first: later time first, then the larger id. */
export function compareNewestFirst(a: AuditPlace, b: AuditPlace): number {
  return b.at.getTime() - a.at.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/** What part of the trail a caller under a policy reads: the entries of what it operates. */
export interface AuditScope {
  /** The endpoints (and backends, for an entry naming no endpoint) the caller operates. */
  readonly places: readonly string[];
  /**
   * The caller: its own entries are shown wherever they are (what it named itself tells it
   * nothing new: a refused change on an endpoint it views, a rollout's own entry naming none).
   */
  readonly actor: string;
}

/** Whether an entry is of the scope: its endpoint (else its backend) operated, or its own. */
export function inScope(entry: AuditEntry, scope: AuditScope): boolean {
  const place = entry.endpoint ?? entry.backend;
  return entry.actor.name === scope.actor || (place !== undefined && scope.places.includes(place));
}

/** Whether an entry passes a query's filters and bounds (memory store, Redis store). */
export function matches(entry: AuditEntry, query: AuditQuery): boolean {
  if (query.scope !== undefined && !inScope(entry, query.scope)) return false;
  if (query.actor !== undefined && entry.actor.name !== query.actor) return false;
  if (query.operation !== undefined && entry.operation !== query.operation) return false;
  if (query.since !== undefined && entry.at.getTime() < query.since.getTime()) return false;
  if (query.olderThan !== undefined && compareNewestFirst(entry, query.olderThan) <= 0)
    return false;
  if (query.newerThan !== undefined && compareNewestFirst(entry, query.newerThan) >= 0)
    return false;
  return true;
}

/**
 * An entry as it reads now. One without outcome belongs to a mutation still running (here or, on
 * Redis, on another instance): not listed yet. Once older than `interruptedAfterMs` (the launch
 * window: no vendor call runs that long) its completion is not coming any more (the process was
 * killed, or the store refused the completion): it reads FAILED, errorCode INTERRUPTED.
 */
export function settle(
  entry: AuditEntry,
  now: number,
  interruptedAfterMs: number,
): AuditEntry | undefined {
  if (entry.outcome !== undefined) return entry;
  if (now - entry.at.getTime() >= interruptedAfterMs)
    return { ...entry, outcome: 'FAILED', errorCode: INTERRUPTED };
  return undefined;
}
