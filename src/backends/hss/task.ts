import { z } from 'zod';
import type { TaskError, TaskObservation } from '../../tasks/types.ts';
import type { WireAttachment } from './wire.ts';

/**
 * HSS has no task API: a start/stop task is synthesized from the per-host plugin_status rows
 * (vendor-apis.md §3). Pure functions, so the rules are unit-testable without a simulator.
 */

export const PLUGIN_STATE_POLLER = 'hss.pluginState';

export type HssAction = 'start' | 'stop';

/** What the poller needs, JSON-only so another instance can resume the poll (Redis mode). */
export const pluginStateParamsSchema = z.object({
  action: z.enum(['start', 'stop']),
  pluginCode: z.string().min(1),
  /** Target hosts, resolved when the task started (operateAll included). */
  hostIds: z.array(z.string()),
  projectId: z.string().min(1),
  enterpriseProjectId: z.string().nullable(),
});
export type PluginStateParams = z.output<typeof pluginStateParamsSchema>;

type Verdict = 'done' | 'pending' | { readonly failed: TaskError };

function failure(row: WireAttachment, status: string, fallback: string): Verdict {
  const detail = row.status_detail?.trim();
  return {
    failed: {
      code: status.toUpperCase(),
      message: detail ? detail : fallback,
      details: `${row.host_name ?? row.host_id} (${row.host_id}): ${status}`,
    },
  };
}

/** One host's row against the goal of the action. */
export function hostVerdict(
  action: HssAction,
  row: WireAttachment | undefined,
  hostId: string,
): Verdict {
  if (!row) {
    return {
      failed: { code: 'HOST_NOT_FOUND', message: `Server ${hostId} no longer lists the plugin` },
    };
  }
  const status = row.plugin_status ?? '';
  if (status === 'offline')
    return failure(row, status, `The agent of ${row.host_name ?? hostId} is offline`);
  if (action === 'start') {
    if (status === 'running') return 'done';
    if (status === 'start_fail') return failure(row, status, 'The plugin failed to start');
    return 'pending';
  }
  // A plugin that is not installed is not running either: the stop has nothing left to do.
  if (status === 'stopped' || status === 'not_installed') return 'done';
  if (status.endsWith('_fail')) return failure(row, status, `The plugin is in state ${status}`);
  return 'pending';
}

/**
 * RUNNING while any target is on its way; SUCCESS when all reached the goal; ERROR as soon as
 * one failed (start_fail, offline, any *_fail for stop). Progress is the share of hosts done.
 */
export function evaluatePluginState(
  action: HssAction,
  hostIds: readonly string[],
  rows: readonly WireAttachment[] | ReadonlyMap<string, WireAttachment>,
): TaskObservation {
  // A batch passes its rows indexed once for all its tasks (poll-batch.ts).
  const byHost = 'get' in rows ? rows : new Map(rows.map((r) => [r.host_id, r]));
  let done = 0;
  const failures: TaskError[] = [];
  for (const id of hostIds) {
    const verdict = hostVerdict(action, byHost.get(id), id);
    if (verdict === 'done') done++;
    else if (verdict !== 'pending') failures.push(verdict.failed);
  }
  const progress = hostIds.length === 0 ? 100 : Math.round((100 * done) / hostIds.length);
  const first = failures[0];
  if (first) {
    const details = failures.map((f) => f.details ?? f.message).join('; ');
    return { status: 'ERROR', progress, error: { ...first, details } };
  }
  return { status: done === hostIds.length ? 'SUCCESS' : 'RUNNING', progress };
}
