import { Gauge, type Registry } from 'prom-client';
import type { RolloutMetrics } from '../rollouts/runner.ts';
import { ROLLOUT_STATUSES, ROLLOUT_UNIT_STATUSES } from '../rollouts/types.ts';

/**
 * `plugin_graph_rollouts` and `plugin_graph_rollout_units` by status (SPEC §13), read from the
 * rollout store at scrape time; every status appears (at 0), so rates and alerts see it. A store
 * that cannot answer leaves both out of that scrape.
 */
export function registerRolloutGauges(
  registry: Registry,
  read: () => Promise<RolloutMetrics>,
): void {
  let last: Promise<RolloutMetrics | undefined> | undefined;
  // One read per scrape for both gauges.
  const once = () => {
    last ??= read()
      .catch(() => undefined)
      .finally(() => setImmediate(() => (last = undefined)));
    return last;
  };
  new Gauge({
    name: 'plugin_graph_rollouts',
    help: 'Rollouts held in the rollout store, by status',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const counts = await once();
      if (!counts) return;
      for (const status of ROLLOUT_STATUSES) this.set({ status }, counts.rollouts.get(status) ?? 0);
    },
  });
  new Gauge({
    name: 'plugin_graph_rollout_units',
    help: 'Units of the stored rollouts, by status',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const counts = await once();
      if (!counts) return;
      for (const status of ROLLOUT_UNIT_STATUSES)
        this.set({ status }, counts.units.get(status) ?? 0);
    },
  });
}
