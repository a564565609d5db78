import type { Context } from '../context.ts';
import { requestSlot } from '../http/request-slot.ts';

/**
 * Per-request memo: the first caller of a key starts the work, later callers in the same request
 * share its promise. Kept on the context object, which Yoga creates per request, so nothing
 * outlives the request.
 */
const memos = requestSlot<Map<string, Promise<unknown>>>('plugin-graph.memo');

export function memo<T>(ctx: Context, key: string, work: () => Promise<T>): Promise<T> {
  let map = memos.get(ctx);
  if (!map) {
    map = new Map();
    memos.set(ctx, map);
  }
  let hit = map.get(key) as Promise<T> | undefined;
  if (!hit) {
    hit = work();
    map.set(key, hit);
  }
  return hit;
}
