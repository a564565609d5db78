import type { Logger } from 'pino';
import type { Metrics } from './metrics.ts';

/**
 * `/metrics`'s answer. A scrape that fails answers 500 with one short line, never the error or
 * its stack (the route needs no authentication). The failure is logged once, when scrapes start
 * failing: a scraper asking every few seconds would otherwise repeat it for as long as it lasts.
 */
export function serveMetrics(
  metrics: Metrics,
  logger: Logger,
): (fetchAPI: { Response: typeof Response }) => Promise<Response> {
  let failing = false;
  return async (fetchAPI) => {
    try {
      const text = await metrics.render();
      if (failing) logger.info('metrics scrape works again');
      failing = false;
      return new fetchAPI.Response(text, {
        headers: { 'content-type': metrics.registry.contentType },
      });
    } catch (err) {
      if (!failing) logger.error({ err }, 'metrics scrape failed; /metrics answers 500');
      failing = true;
      return new fetchAPI.Response('metrics unavailable\n', {
        status: 500,
        headers: { 'content-type': 'text/plain; charset=utf-8' },
      });
    }
  };
}
