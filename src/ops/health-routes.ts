import type { Plugin as YogaPlugin } from 'graphql-yoga';
import type { ReadinessStore } from '../store/readiness.ts';
import type { HealthMonitor } from './health.ts';

/**
 * `/healthz` (the process serves) and `/readyz` (SPEC §3): 503 only when this instance cannot
 * do its job, i.e. it is draining or its task store is unreachable, failing writes or lost its
 * file. A vendor endpoint that is down is a partial failure every replica shares: taking them
 * all out of the load balancer would turn it into a full outage. It is named in the body
 * (`degraded`) while the status stays 200.
 */
export function useHealthRoutes(
  health: HealthMonitor,
  store?: ReadinessStore,
  shutdown?: AbortSignal,
): YogaPlugin {
  return {
    async onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname === '/healthz') {
        endResponse(Response.json({ status: 'ok' }));
        return;
      }
      if (url.pathname === '/readyz') {
        const [checks, storeProblem] = await Promise.all([health.configured(), store?.problem()]);
        // An endpoint is failing when its last check failed and its breaker is not closed.
        const endpoints: Record<string, unknown>[] = checks
          .filter((c) => !c.reachable && c.breaker !== 'CLOSED')
          .map((c) => ({
            backend: c.backend,
            endpoint: c.endpoint,
            code: c.errorCode,
            breaker: c.breaker,
          }));
        const instance: Record<string, unknown>[] = [];
        if (shutdown?.aborted) instance.push({ instance: 'draining', code: 'SHUTTING_DOWN' });
        if (storeProblem) instance.push({ ...storeProblem });
        const status = instance.length ? 'unavailable' : endpoints.length ? 'degraded' : 'ready';
        endResponse(
          new fetchAPI.Response(JSON.stringify({ status, failing: [...instance, ...endpoints] }), {
            status: instance.length ? 503 : 200,
            headers: { 'content-type': 'application/json' },
          }),
        );
      }
    },
  };
}
