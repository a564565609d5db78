import { requestSlot } from '../request/slot.ts';

// The oldest snapshot (observedAt, ms) the request's fields read: how long its answer holds.
const oldest = requestSlot<number>('plugin-graph.oldest-snapshot-read');

/** Called for each snapshot a request reads (catalog.ts `inventoryOf`). */
export function noteSnapshotRead(ctx: object, observedAt: Date): void {
  const at = observedAt.getTime();
  const seen = oldest.get(ctx);
  if (seen === undefined || at < seen) oldest.set(ctx, at);
}

/** When the oldest snapshot the request read was observed (ms); undefined if it read none. */
export function oldestSnapshotRead(ctx: object): number | undefined {
  return oldest.get(ctx);
}
