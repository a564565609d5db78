import type { BatchPoller, PollParams } from '../../tasks/types.ts';
import { BackendError } from '../errors.ts';
import { hostIdChunks, mapLimited, POLL_CONCURRENCY } from './poll-chunks.ts';
import { evaluatePluginState, type PluginStateParams, pluginStateParamsSchema } from './task.ts';
import type { WireAttachment } from './wire.ts';

/** The vendor read a batch of start/stop polls needs. */
export interface HssPollReads {
  /** Rows per page at most: a chunk names no more hosts than one page holds. */
  readonly maxIds: number;
  /** ListPluginStatus of one plugin code in one scope, filtered to `hostIds`, every page. */
  attachments(
    pluginCode: string,
    scope: { readonly projectId: string; readonly enterpriseProjectId: string | undefined },
    hostIds: readonly string[],
  ): Promise<WireAttachment[]>;
  /** Vendor text (status_detail) becomes a task message: scrubbed first. */
  scrub(text: string | null | undefined): string | undefined;
}

function stateParams(raw: PollParams): PluginStateParams {
  const parsed = pluginStateParamsSchema.safeParse(raw);
  if (!parsed.success) {
    throw new BackendError(
      'BACKEND_BAD_RESPONSE',
      'hss',
      'hss.pluginState poll parameters are invalid',
    );
  }
  return parsed.data;
}

/**
 * Every live start/stop task of one plugin code (and project) from one status read per round:
 * the union of their targets, asked in chunks (poll-chunks.ts: no URL grows with the fleet), so
 * 100 tasks on one code cost what one task on all their hosts costs. Each task is judged on its
 * own targets and action.
 */
export function hssPluginStatePoller(reads: HssPollReads): BatchPoller {
  return {
    batchKey: (raw) => {
      const p = stateParams(raw);
      return JSON.stringify([p.pluginCode, p.projectId, p.enterpriseProjectId]);
    },
    async poll(all) {
      const polls = all.map(stateParams);
      const first = polls[0];
      if (!first) return [];
      const scope = {
        projectId: first.projectId,
        enterpriseProjectId: first.enterpriseProjectId ?? undefined,
      };
      const targets = [...new Set(polls.flatMap((p) => p.hostIds))];
      const rows = (
        await mapLimited(hostIdChunks(targets, reads.maxIds), POLL_CONCURRENCY, (ids) =>
          reads.attachments(first.pluginCode, scope, ids),
        )
      )
        .flat()
        .map((row) => ({ ...row, status_detail: reads.scrub(row.status_detail) }));
      return polls.map((p) => evaluatePluginState(p.action, p.hostIds, rows));
    },
  };
}
