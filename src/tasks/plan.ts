import type { BackendName } from '../domain/backend.ts';
import type { TaskOperation } from './operations.ts';
import type { Started, TaskTarget } from './types.ts';
import type { VendorWrite } from './vendor-write.ts';

/**
 * One vendor mutation, decided and validated, not yet sent: where it runs, what it does, what it
 * holds, and the one function that makes the vendor call. A mutation field builds one
 * (resolvers/plans/<backend>.ts) and runs it (resolvers/run-mutation.ts); a rollout would run
 * many on a schedule. The launcher (launch.ts) is the only caller of `start`.
 */
export interface LaunchPlan {
  readonly backend: BackendName;
  /** The endpoint it runs on; default the one named after `backend`. */
  readonly endpoint?: string;
  readonly operation: TaskOperation;
  readonly description?: string;
  /** What the task acts on (audit entry, `Task.target`, the payload's plugin). */
  readonly target?: TaskTarget;
  /**
   * Two launches with the same key while the first runs: the second gets ConflictError carrying
   * the running task and its `start` is never called, so the vendor sees one request.
   */
  readonly lockKey?: string;
  /**
   * Makes the vendor call. Runs at most once per launch, and only once the task is stored (as
   * QUEUED): a store that cannot take it fails the launch with STORE_UNAVAILABLE, and then the
   * vendor is never called. The client hands `write` to http.ts with its write request, and says
   * through it how to find out what became of the write should its answer be lost.
   */
  readonly start: (write: VendorWrite) => Promise<Started>;
}
