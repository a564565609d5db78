import type { RolloutHeader, RolloutStatus, RolloutUnit } from './types.ts';

/**
 * Where rollouts live, beside the tasks (memory, the data dir's SQLite, Redis). A rollout is its
 * header and its units, stored apart so that a unit's change writes that unit and the header
 * only, whatever the number of units. Only the instance driving a rollout writes it.
 */
export interface RolloutStore {
  /** The header and every given unit, in one write (SQLite: one transaction). */
  save(header: RolloutHeader, units: readonly RolloutUnit[]): Promise<void>;
  get(id: string): Promise<RolloutHeader | undefined>;
  /** The rollout's units in index order. */
  units(id: string): Promise<RolloutUnit[]>;
  /** Headers, newest first, in any of `statuses` (all when absent). */
  list(statuses?: readonly RolloutStatus[]): Promise<RolloutHeader[]>;
}

/** In one process. */
export class MemoryRolloutStore implements RolloutStore {
  private readonly headers = new Map<string, RolloutHeader>();
  private readonly unitsById = new Map<string, RolloutUnit[]>();

  async save(header: RolloutHeader, units: readonly RolloutUnit[]): Promise<void> {
    this.headers.set(header.id, header);
    const stored = this.unitsById.get(header.id) ?? [];
    for (const unit of units) stored[unit.index] = unit;
    this.unitsById.set(header.id, stored);
  }

  async get(id: string): Promise<RolloutHeader | undefined> {
    return this.headers.get(id);
  }

  async units(id: string): Promise<RolloutUnit[]> {
    return [...(this.unitsById.get(id) ?? [])];
  }

  async list(statuses?: readonly RolloutStatus[]): Promise<RolloutHeader[]> {
    const wanted = statuses && new Set(statuses);
    return [...this.headers.values()]
      .filter((h) => !wanted || wanted.has(h.status))
      .sort(newestFirst);
  }
}

export function newestFirst(a: RolloutHeader, b: RolloutHeader): number {
  return b.createdAt.getTime() - a.createdAt.getTime() || a.id.localeCompare(b.id);
}
