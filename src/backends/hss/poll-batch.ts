import type { BatchPoller, PollParams } from '../../tasks/types.ts';
import { BackendError } from '../errors.ts';
import { hostIdChunks, mapLimited, POLL_CONCURRENCY } from './poll-chunks.ts';
import {
  evaluatePluginState,
  type HssAction,
  hostVerdict,
  type PluginStateParams,
  pluginStateParamsSchema,
} from './task.ts';
import type { WireAttachment } from './wire.ts';

/** A ListPluginStatus filter: by hosts (`host_ids`) or by state (`plugin_status`). */
export interface AttachmentFilter {
  readonly hostIds?: readonly string[];
  readonly status?: string;
}

/** The vendor read a batch of start/stop polls needs. */
export interface HssPollReads {
  /** Host ids per chunk at most: a chunk names no more hosts than one page holds. */
  readonly maxIds: number;
  /** ListPluginStatus of one plugin code in one scope, every page, filtered as asked. */
  attachments(
    pluginCode: string,
    scope: { readonly projectId: string; readonly enterpriseProjectId: string | undefined },
    filter: AttachmentFilter,
  ): Promise<WireAttachment[]>;
  /** Vendor text (status_detail) becomes a task message: scrubbed first. */
  scrub(text: string | null | undefined): string | undefined;
}

/** The state a host is in while the action is under way (vendor-apis.md §3). */
const UNDER_WAY: Readonly<Record<HssAction, string>> = { start: 'starting', stop: 'stopping' };

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
 * Every live start (or stop) task of one plugin code from one status read per round, however
 * many tasks and hosts: ListPluginStatus of the code filtered to the state hosts are in while the
 * action runs (`plugin_status=starting`), in the vendor's pages. Its rows are the hosts still
 * under way; its size follows them, not the fleet, and its URL names no host (an `operateAll`
 * over 5,000 hosts once put every id in one URL and got 431).
 *
 * A target missing from that read has left the state (or not entered it yet): its own row says
 * which, read by `host_ids` in chunks (poll-chunks.ts) once, when it leaves. A row that reached
 * an end (running, start_fail, offline, …) is kept for the batch while a live task targets the
 * host, so it is not asked again; one still on its way (the vendor has not moved it to
 * `starting` yet) is asked again next round; once every task of the batch ended, its rows go.
 * Starts and stops of one code live at once have no one state to ask for: that round reads the
 * code's rows unfiltered (still one read, its pages following the code's rows) and keeps none.
 * At steady state a round is the one read: 1,000 live hosts are 5 pages, not 10 chunks of ids
 * nor the code's every row.
 */
export function hssPluginStatePoller(reads: HssPollReads): BatchPoller {
  /** Per batch: rows of hosts that reached an end, kept while live tasks target them. */
  const settled = new Map<string, Map<string, WireAttachment>>();
  const clean = (row: WireAttachment): WireAttachment => ({
    ...row,
    status_detail: reads.scrub(row.status_detail),
  });

  return {
    batchKey: (raw) => batchKeyOf(stateParams(raw)),
    async poll(all) {
      const polls = all.map(stateParams);
      const first = polls[0];
      if (!first) return [];
      const key = batchKeyOf(first);
      const scope = {
        projectId: first.projectId,
        enterpriseProjectId: first.enterpriseProjectId ?? undefined,
      };
      const targets = new Set(polls.flatMap((p) => p.hostIds));
      const actions = new Set(polls.map((p) => p.action));
      const action = actions.size === 1 ? first.action : undefined;
      const rows = new Map<string, WireAttachment>();
      const read = await reads.attachments(
        first.pluginCode,
        scope,
        action ? { status: UNDER_WAY[action] } : {},
      );
      for (const row of read) if (targets.has(row.host_id)) rows.set(row.host_id, clean(row));
      if (!action) {
        settled.delete(key); // every row came fresh: nothing to keep, nothing left to ask
        return polls.map((p) => evaluatePluginState(p.action, p.hostIds, rows));
      }

      const kept = new Map(
        [...(settled.get(key) ?? new Map<string, WireAttachment>())].filter(
          ([id]) => targets.has(id) && !rows.has(id), // under way again: a later end is read afresh
        ),
      );
      for (const [id, row] of kept) rows.set(id, row);
      const unknown = [...targets].filter((id) => !rows.has(id));
      const chunks = hostIdChunks(unknown, reads.maxIds);
      const asked = (
        await mapLimited(chunks, POLL_CONCURRENCY, (hostIds) =>
          reads.attachments(first.pluginCode, scope, { hostIds }),
        )
      ).flat();
      for (const row of asked) {
        if (!targets.has(row.host_id)) continue;
        const fresh = clean(row);
        rows.set(row.host_id, fresh);
        if (hostVerdict(action, fresh, row.host_id) !== 'pending') kept.set(row.host_id, fresh);
      }
      const observed = polls.map((p) => evaluatePluginState(p.action, p.hostIds, rows));
      // Only hosts a task still follows are worth keeping; a batch whose tasks all ended goes.
      const following = new Set(
        polls.flatMap((p, i) => (observed[i]?.status === 'RUNNING' ? p.hostIds : [])),
      );
      for (const id of kept.keys()) if (!following.has(id)) kept.delete(id);
      if (kept.size > 0) settled.set(key, kept);
      else settled.delete(key);
      return observed;
    },
  };
}
