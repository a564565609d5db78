import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { logFields } from './log-line.ts';
import type { Actor, AuditCompletion, AuditStart, AuditStore } from './types.ts';

/**
 * How many refused attempts (a viewer's mutation fields, FORBIDDEN) of one caller get an entry of
 * their own per window; later ones in the window are counted (issue 25 point 4). One viewer
 * sending refused mutations in a loop then adds at most `stored` entries and one counted entry
 * per mutation field a minute, whatever the rate.
 */
export const REFUSAL_RATE = { stored: 10, windowMs: 60_000 } as const;

/** One counted entry: a caller's refusals of one mutation field past the rate, in one window. */
interface Counted {
  readonly start: AuditStart;
  /** Attempts counted so far (in memory, ahead of the store while a write is under way). */
  attempts: number;
  /** Attempts the store holds. */
  stored: number;
  begun: boolean;
  completed: boolean;
  /** Writes of this entry, one after another, each with the count as it then is. */
  writes: Promise<void>;
  warned: boolean;
}

const FORBIDDEN: AuditCompletion = { outcome: 'FORBIDDEN', errorCode: 'FORBIDDEN' };

/**
 * The rate of refused attempts per caller (actor name and how they signed in), in fixed windows of
 * the trail's clock. Past REFUSAL_RATE.stored in a window, attempts are counted per mutation
 * field in one entry (`attempts`, arguments not kept), rewritten with each refused request: the
 * count is in the store by the time the refusal is answered, so a restart loses none of it. The
 * entry's pino line `audit`, with its final count, is written when the window is over (on the
 * next refusal after it, or when the trail closes); a warning says when counting starts.
 * State is this window's only, in memory, per instance (on Redis each instance counts its own).
 */
export class RefusalCounter {
  private window = Number.NEGATIVE_INFINITY;
  /** Entries of their own written this window, per caller. */
  private own = new Map<string, number>();
  private counted = new Map<string, Counted>();
  /** Windows being closed (their counts settled and logged), one after another. */
  private closing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: AuditStore,
    private readonly logger: Logger,
    private readonly now: () => number,
  ) {}

  /** How many of `n` refusals by `actor`, now, get an entry of their own; the rest are counted. */
  async admit(actor: Actor, n: number): Promise<number> {
    this.roll(false);
    await this.closing;
    const key = callerKey(actor);
    const used = this.own.get(key) ?? 0;
    const own = Math.min(n, Math.max(0, REFUSAL_RATE.stored - used));
    this.own.set(key, used + own);
    return own;
  }

  /**
   * `n` refused attempts of `operation` by `actor`, added to the window's counted entry.
   * Resolves once the store holds the count (or refused it: logged once, retried with the next).
   */
  count(actor: Actor, operation: string, n: number): Promise<void> {
    const key = `${callerKey(actor)}\n${operation}`;
    let counted = this.counted.get(key);
    if (!counted) {
      counted = {
        start: {
          id: randomUUID(),
          at: new Date(this.now()),
          actor: { name: actor.name, role: actor.role, via: actor.via },
          operation,
          argumentsTruncated: true,
        },
        attempts: 0,
        stored: 0,
        begun: false,
        completed: false,
        writes: Promise.resolve(),
        warned: false,
      };
      this.counted.set(key, counted);
      this.logger.warn(
        { auditId: counted.start.id, actor: counted.start.actor, operation, ...REFUSAL_RATE },
        'refused attempts past the rate: counted in one audit entry, not stored each',
      );
    }
    const entry = counted;
    entry.attempts += n;
    entry.writes = entry.writes.then(() => this.persist(entry));
    return entry.writes;
  }

  /** Settles and logs the window's counted entries. */
  close(): Promise<void> {
    this.roll(true);
    return this.closing;
  }

  /** A new window (or the end): the last one's counted entries are settled and logged. */
  private roll(end: boolean): void {
    const window = Math.floor(this.now() / REFUSAL_RATE.windowMs);
    if (!end && window === this.window) return;
    this.window = window;
    const ending = [...this.counted.values()];
    this.own = new Map();
    this.counted = new Map();
    if (ending.length === 0) return;
    this.closing = this.closing.then(() => this.settle(ending));
  }

  private async settle(ending: readonly Counted[]): Promise<void> {
    for (const counted of ending) {
      await counted.writes;
      // A write the store refused: once more, with the final count.
      if (counted.stored !== counted.attempts || !counted.completed) await this.persist(counted);
      this.logger.info(
        logFields({ ...counted.start, ...FORBIDDEN, attempts: counted.attempts }),
        'audit',
      );
    }
  }

  private async persist(counted: Counted): Promise<void> {
    const attempts = counted.attempts;
    try {
      if (!counted.begun) {
        await this.store.begin({ ...counted.start, attempts });
        counted.begun = true;
        counted.stored = attempts;
      }
      if (!counted.completed) {
        await this.store.complete(counted.start.id, FORBIDDEN);
        counted.completed = true;
      }
      if (counted.stored !== attempts) {
        await this.store.recount(counted.start.id, attempts);
        counted.stored = attempts;
      }
    } catch (err) {
      if (counted.warned) return;
      counted.warned = true;
      this.logger.warn(
        { err, auditId: counted.start.id },
        'audit refusal count not stored; retried with the next',
      );
    }
  }
}

function callerKey(actor: Actor): string {
  return `${actor.via}:${actor.name}`;
}
