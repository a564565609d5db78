import type { Context } from '../context.ts';

/**
 * Per-request memo: the first caller of a key starts the work, later callers in the same request
 * share its promise. Keyed on the context object, which Yoga creates per request, so nothing
 * outlives the request (same lifetime as the Pothos DataLoaders).
 */
const memos = new WeakMap<Context, Map<string, Promise<unknown>>>();

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
