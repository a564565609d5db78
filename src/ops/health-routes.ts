import type { Plugin as YogaPlugin } from 'graphql-yoga';
import { type Backends, configuredClients } from '../backends/registry.ts';
import type { HealthMonitor } from './health.ts';

/** `/healthz` (the process serves) and `/readyz` (every configured backend answers). */
export function useHealthRoutes(backends: Backends, health: HealthMonitor): YogaPlugin {
  return {
    async onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname === '/healthz') {
        endResponse(Response.json({ status: 'ok' }));
        return;
      }
      if (url.pathname === '/readyz') {
        const checks = await Promise.all(
          configuredClients(backends).map(([name]) => health.check(name)),
        );
        // SPEC §3: ready when each backend answered its last check or its breaker is closed.
        const failing = checks
          .filter((c) => !c.reachable && c.breaker !== 'CLOSED')
          .map((c) => ({ backend: c.backend, code: c.errorCode, breaker: c.breaker }));
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
