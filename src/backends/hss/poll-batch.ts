import type { BatchPoller, PollParams } from '../../tasks/types.ts';
import { BackendError } from '../errors.ts';
import { hostIdChunks, mapLimited, POLL_CONCURRENCY } from './poll-chunks.ts';
import { evaluatePluginState, type PluginStateParams, pluginStateParamsSchema } from './task.ts';
import type { WireAttachment } from './wire.ts';

/** The vendor read a batch of start/stop polls needs. */
export interface HssPollReads {
  /** Host ids per chunk at most: a chunk names no more hosts than one page holds. */
  readonly maxIds: number;
  /** Rows per page of an unfiltered read. */
  readonly pageSize: number;
  /**
   * ListPluginStatus of one plugin code in one scope, every page: filtered to `hostIds`, or
   * every row of the code when `hostIds` is undefined.
   */
  attachments(
    pluginCode: string,
    scope: { readonly projectId: string; readonly enterpriseProjectId: string | undefined },
    hostIds: readonly string[] | undefined,
  ): Promise<WireAttachment[]>;
  /** Vendor text (status_detail) becomes a task message: scrubbed first. */
  scrub(text: string | null | undefined): string | undefined;
}

/** One batch per plugin code and scope. */
const batchKeyOf = (p: PluginStateParams): string =>
  JSON.stringify([p.pluginCode, p.projectId, p.enterpriseProjectId]);

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
 *
 * The read is whichever costs fewer calls: chunks of the targets' ids, or the code's rows
 * unfiltered (full pages, filtered here). With 1,000 live hosts the chunks (≤ 100 ids, 4 KiB of
 * URL each) take 12 calls where 5 pages of 200 hold the whole code; with a few live hosts among
 * 10,000 one chunk beats 50 pages. The code's row count is learnt from its last unfiltered read;
 * while unknown, a read needing more than one chunk goes unfiltered once to learn it.
 */
export function hssPluginStatePoller(reads: HssPollReads): BatchPoller {
  /** Rows of each batch key's plugin code at its last unfiltered read. */
  const codeRows = new Map<string, number>();
  const unfilteredIsCheaper = (key: string, chunks: number): boolean => {
    if (chunks <= 1) return false;
    const rows = codeRows.get(key);
    return rows === undefined || Math.max(1, Math.ceil(rows / reads.pageSize)) < chunks;
  };
  return {
    batchKey: (raw) => batchKeyOf(stateParams(raw)),
    async poll(all) {
      const polls = all.map(stateParams);
      const first = polls[0];
      if (!first) return [];
      const scope = {
        projectId: first.projectId,
        enterpriseProjectId: first.enterpriseProjectId ?? undefined,
      };
      const targets = [...new Set(polls.flatMap((p) => p.hostIds))];
      const chunks = hostIdChunks(targets, reads.maxIds);
      const key = batchKeyOf(first);
      let read: WireAttachment[];
      if (unfilteredIsCheaper(key, chunks.length)) {
        read = await reads.attachments(first.pluginCode, scope, undefined);
        codeRows.set(key, read.length);
      } else {
        read = (
          await mapLimited(chunks, POLL_CONCURRENCY, (ids) =>
            reads.attachments(first.pluginCode, scope, ids),
          )
        ).flat();
      }
      const rows = new Map(
        read.map((row) => [row.host_id, { ...row, status_detail: reads.scrub(row.status_detail) }]),
      );
      return polls.map((p) => evaluatePluginState(p.action, p.hostIds, rows));
    },
  };
}
