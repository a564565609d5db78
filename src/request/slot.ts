/**
 * A value attached to one request's own objects (the fetch Request, the GraphQL context) under a
 * private symbol, so it dies with them.
 * In request/, beside scope.ts, not in http/: backends, schema, resolvers, ops and auth keep
 * per-request state this way, and none of them may depend on the transports.
 *
 * Not a module-level WeakMap keyed by the request: on Node 20, V8's young-generation GC treats
 * the entries of an old WeakMap as live until the next full GC, so each entry kept its request's
 * whole object graph (context, Request, Node req/res, loaded data) alive through two scavenges
 * and into the old generation: ~13 KB of every request promoted, a scavenge about every 80
 * requests pausing 3-6 ms (median 3.0-3.5 ms), the p99 latency tail (bench/PROFILING.md, "Added
 * p99 latency"; with slots: median 1.2-1.3 ms, ~0.12 MB promoted per scavenge instead of ~1 MB).
 */
export interface RequestSlot<V> {
  get(owner: object): V | undefined;
  set(owner: object, value: V): void;
}

export function requestSlot<V>(description: string): RequestSlot<V> {
  const key = Symbol(description);
  return {
    get: (owner) => (owner as { [key]?: V })[key],
    set: (owner, value) => {
      (owner as { [key]?: V })[key] = value;
    },
  };
}
