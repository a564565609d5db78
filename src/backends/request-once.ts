import { requestSlot } from '../request/slot.ts';

/**
 * The one way to share a promise within a request: the first caller of `key` runs `work`, later
 * callers with the same `request` share its promise. `request` is the request's own object (the
 * GraphQL context, which Yoga creates per request); the promises are kept on it
 * (request/slot.ts), so nothing outlives the request. Without a `request`, `work` just runs.
 *
 * Used at both ends of a read: the graph reads each endpoint's lists once per request
 * (resolvers/catalog.ts), and a client whose lists come from the same vendor rows reads those
 * rows once per request (SDM's plugin list carries the members; HSS's status calls need the
 * plugin codes; KorAP's plugin status and installations both come from the installed list).
 * Keys name their owner (`plugins:sdm`, `sdm.catalog`), as they share the request's one map.
 */
const promises = requestSlot<Map<string, Promise<unknown>>>('plugin-graph.request-once');

export function requestOnce<T>(
  request: object | undefined,
  key: string,
  work: () => Promise<T>,
): Promise<T> {
  if (!request) return work();
  let map = promises.get(request);
  if (!map) {
    map = new Map();
    promises.set(request, map);
  }
  let hit = map.get(key) as Promise<T> | undefined;
  if (!hit) {
    hit = work();
    map.set(key, hit);
  }
  return hit;
}
