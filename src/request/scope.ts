import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What every log line a request causes carries: its `x-request-id` (issue 26.6). The Node
 * listener opens a scope per HTTP request and the WebSocket transport one per operation;
 * ops/observability.ts names the id once it has read the header; the logger's mixin (ops/logger.ts) puts
 * it on each line written inside the scope: vendor calls, audit, task launch. Work that outlives
 * the request (task polls) runs outside it and carries the task id instead.
 * Used by the transports, tasks, inventory and ops alike, hence here rather than in http/.
 */
export interface RequestScope {
  reqId?: string;
}

const scopes = new AsyncLocalStorage<RequestScope>();

/** Runs `work` (and everything it starts) in a new request scope. */
export function inRequestScope<T>(work: () => T, reqId?: string): T {
  return scopes.run(reqId === undefined ? {} : { reqId }, work);
}

/**
 * Runs `work` outside any request: background loops (task polls, inventory refreshes, the
 * outbox) armed during a request would otherwise carry its id on every later line.
 */
export function outsideRequest<T>(work: () => T): T {
  return scopes.exit(work);
}

/** The scope of the request running now, if any (observability.ts names its id). */
export function currentRequestScope(): RequestScope | undefined {
  return scopes.getStore();
}

/** The log fields of the request running now: `{ reqId }`, or none outside a request. */
export function requestLogFields(): { reqId?: string } {
  const reqId = scopes.getStore()?.reqId;
  return reqId === undefined ? {} : { reqId };
}
