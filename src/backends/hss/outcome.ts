import type { PollParams, SinglePoller, TaskObservation } from '../../tasks/types.ts';
import { BackendError } from '../errors.ts';
import type { HssPollReads } from './poll-batch.ts';
import { hostIdChunks, mapLimited, POLL_CONCURRENCY } from './poll-chunks.ts';
import {
  evaluatePluginState,
  type HssAction,
  PLUGIN_STATE_POLLER,
  type PluginStateParams,
  pluginStateParamsSchema,
} from './task.ts';
import type { WireAttachment } from './wire.ts';

/**
 * What became of a start or stop whose answer was lost (tasks/outcome.ts), read off the target
 * hosts' plugin_status (HSS has no task API): a host `starting` (`stopping`) means the call acts,
 * adopted and polled as any from then on; every host at the goal means it is done (a start of a
 * plugin already running did nothing either way); hosts as they were mean no sign. A host that
 * failed (start_fail, offline) cannot tell whether the call reached it: the task ends
 * OUTCOME_UNKNOWN once that has lasted the grace period.
 */

export const HSS_OUTCOME_KIND = 'hss.pluginStateOutcome';

const UNDER_WAY: Readonly<Record<HssAction, string>> = { start: 'starting', stop: 'stopping' };

export function hssOutcomePoller(reads: HssPollReads): SinglePoller {
  return async (raw) => {
    const params = outcomeParams(raw);
    const scope = {
      projectId: params.projectId,
      enterpriseProjectId: params.enterpriseProjectId ?? undefined,
    };
    const chunks = hostIdChunks(params.hostIds, reads.maxIds);
    const rows = await mapLimited(chunks, POLL_CONCURRENCY, (hostIds) =>
      reads.attachments(params.pluginCode, scope, { hostIds }),
    );
    const targets = new Set(params.hostIds);
    const byHost = new Map<string, WireAttachment>();
    for (const row of rows.flat()) {
      if (targets.has(row.host_id))
        byHost.set(row.host_id, { ...row, status_detail: reads.scrub(row.status_detail) });
    }
    return signOfOperation(params, byHost);
  };
}

/** One look at the target hosts of a start or stop whose answer was lost. */
export function signOfOperation(
  params: PluginStateParams,
  byHost: ReadonlyMap<string, WireAttachment>,
): TaskObservation {
  const seen = evaluatePluginState(params.action, params.hostIds, byHost);
  const underWay = UNDER_WAY[params.action];
  if (params.hostIds.some((id) => byHost.get(id)?.plugin_status === underWay)) {
    return { ...seen, adopt: { poll: { kind: PLUGIN_STATE_POLLER, params: { ...params } } } };
  }
  if (seen.status === 'SUCCESS') return seen;
  if (seen.status === 'ERROR') {
    throw new Error(`a target host failed, which does not say whether ${params.action} reached it`);
  }
  return { status: 'QUEUED' };
}

function outcomeParams(raw: PollParams): PluginStateParams {
  const parsed = pluginStateParamsSchema.safeParse(raw);
  if (!parsed.success) {
    throw new BackendError('BACKEND_BAD_RESPONSE', 'hss', `${HSS_OUTCOME_KIND} params are invalid`);
  }
  return parsed.data;
}
