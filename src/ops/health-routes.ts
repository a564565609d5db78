import type { Plugin as YogaPlugin } from 'graphql-yoga';
import type { HealthMonitor } from './health.ts';

/** A shared task store (Redis in scaled-out mode): the instance is not ready while it does not answer. */
export interface ReadinessStore {
  readonly name: string;
  ready(): Promise<boolean>;
}

/**
 * `/healthz` (the process serves) and `/readyz` (every endpoint answers, each failing one named, and the
 * shared task store if there is one).
 */
export function useHealthRoutes(health: HealthMonitor, store?: ReadinessStore): YogaPlugin {
  return {
    async onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname === '/healthz') {
        endResponse(Response.json({ status: 'ok' }));
        return;
      }
      if (url.pathname === '/readyz') {
        const [checks, storeReady] = await Promise.all([
          health.configured(),
          store?.ready() ?? true,
        ]);
        // SPEC §3: ready when each backend answered its last check or its breaker is closed.
        const failing: Record<string, unknown>[] = checks
          .filter((c) => !c.reachable && c.breaker !== 'CLOSED')
          .map((c) => ({
            backend: c.backend,
            endpoint: c.endpoint,
            code: c.errorCode,
            breaker: c.breaker,
          }));
        // Without its task store an instance can neither launch, read nor follow tasks.
        if (!storeReady) failing.push({ store: store?.name, code: 'STORE_UNAVAILABLE' });
        endResponse(
          new fetchAPI.Response(
            JSON.stringify({ status: failing.length ? 'unavailable' : 'ready', failing }),
            {
              status: failing.length ? 503 : 200,
              headers: { 'content-type': 'application/json' },
            },
          ),
        );
      }
    },
  };
}
