import type { RolloutControl } from './controls.ts';
import type { QueuedControl } from './driver.ts';

/**
 * Scaled-out mode (Redis): what lets several instances share rollouts. One instance drives each
 * rollout under a lease (renewed while it drives; once it lapses, whichever instance takes it
 * drives on from the stored state, and the store refuses writes from an instance that lost it);
 * a pause, resume or cancel received by another instance is queued for the driving one.
 */
export interface SharedRollouts {
  /** How long a lease lasts unless renewed; renewed and scanned every third of it. */
  readonly leaseMs: number;
  /** Takes the lease of a rollout nobody drives; false when another instance holds it. */
  acquire(id: string): Promise<boolean>;
  /** Renews the leases held; returns the ids whose lease was lost (another instance drives). */
  renew(ids: readonly string[]): Promise<string[]>;
  /** Hands a lease over at once (shutdown). */
  release(id: string): Promise<void>;
  /** Ids of the stored rollouts not yet complete: what the take-over scan looks at. */
  live(): Promise<string[]>;
  /** Queues a control for the driving instance; resolves with its sequence number. */
  request(id: string, control: RolloutControl): Promise<number>;
  /** The controls queued and not yet applied, oldest first. */
  pending(id: string): Promise<QueuedControl[]>;
}
