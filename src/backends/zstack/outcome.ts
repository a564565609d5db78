import { randomUUID } from 'node:crypto';
import type { SinglePoller } from '../../tasks/types.ts';
import type { VendorWrite } from '../../tasks/vendor-write.ts';

/**
 * What became of a ZStack call whose answer was lost (tasks/outcome.ts): we choose its job's uuid
 * ourselves (`X-Job-UUID`, vendor-apis.md §2), so its job can be asked for by that uuid. A job
 * that runs or ended is adopted (polled as any from then on); 404, no job of that uuid, is no sign
 * that the call ever reached the management node.
 */

export const ZSTACK_OUTCOME_KIND = 'zstack.jobOutcome';

/** The job path of a uuid, below the base URL (what `zstack.job` polls). */
const jobPath = (uuid: string) => `/v1/api-jobs/${uuid}`;

/**
 * The request parts of an async call made as a launch's write: our job uuid in `X-Job-UUID`,
 * told to the write as the way to find its job, and the write itself for http.ts.
 */
export function asWrite(write: VendorWrite | undefined): {
  headers?: Record<string, string>;
  write?: VendorWrite;
} {
  if (!write) return {};
  // 32 lower-case hex digits, no dashes: the form ZStack accepts.
  const uuid = randomUUID().replaceAll('-', '');
  write.reconcileBy({ kind: ZSTACK_OUTCOME_KIND, params: { path: jobPath(uuid) } });
  return { headers: { 'X-Job-UUID': uuid }, write };
}

/** `zstack.job`'s poller read as a reconcile: an unknown job is no sign, a known one is adopted. */
export function zstackJobOutcomePoller(pollJob: SinglePoller): SinglePoller {
  return async (params) => {
    const seen = await pollJob(params);
    if (seen.error?.code === 'JOB_EXPIRED') return { status: 'QUEUED' };
    const path = String(params.path);
    const nativeId = path.slice(path.lastIndexOf('/') + 1);
    return { ...seen, adopt: { nativeId, poll: { kind: 'zstack.job', params: { path } } } };
  };
}
