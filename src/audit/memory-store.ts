import {
  type AuditCompletion,
  type AuditEntry,
  type AuditQuery,
  type AuditStart,
  type AuditStore,
  compareNewestFirst,
  matches,
  settle,
} from './types.ts';

/** Demo mode's trail: gone with the process. */
export class MemoryAuditStore implements AuditStore {
  private readonly entries = new Map<string, AuditEntry>();

  constructor(
    private readonly interruptedAfterMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async begin(start: AuditStart): Promise<void> {
    this.entries.set(start.id, start);
  }

  async complete(id: string, completion: AuditCompletion): Promise<void> {
    const entry = this.entries.get(id);
    if (entry && entry.outcome === undefined) this.entries.set(id, { ...entry, ...completion });
  }

  async recount(id: string, attempts: number): Promise<void> {
    const entry = this.entries.get(id);
    if (entry) this.entries.set(id, { ...entry, attempts });
  }

  async get(id: string): Promise<AuditEntry | undefined> {
    const entry = this.entries.get(id);
    return entry && settle(entry, this.now(), this.interruptedAfterMs);
  }

  async page(query: AuditQuery): Promise<AuditEntry[]> {
    const now = this.now();
    const found = [...this.entries.values()]
      .map((e) => settle(e, now, this.interruptedAfterMs))
      .filter((e): e is AuditEntry => e !== undefined && matches(e, query));
    found.sort(compareNewestFirst);
    if (query.oldestFirst) found.reverse();
    return found.slice(0, query.limit);
  }

  async trim(before: Date): Promise<number> {
    let gone = 0;
    for (const [id, entry] of this.entries) {
      if (entry.at.getTime() < before.getTime()) {
        this.entries.delete(id);
        gone++;
      }
    }
    return gone;
  }

  async close(): Promise<void> {}
}
