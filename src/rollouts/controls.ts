import { canaryPassed } from './schedule.ts';
import type { RolloutHeader, RolloutUnit } from './types.ts';

/** What an operator can do to a running rollout (pauseRollout, resumeRollout, cancelRollout). */
export type RolloutControl = 'pause' | 'resume' | 'cancel';
export const ROLLOUT_CONTROLS: readonly RolloutControl[] = ['pause', 'resume', 'cancel'];

/** A control applied: the header after it and the units it changed (cancel: the pending ones). */
export interface Controlled {
  readonly header: RolloutHeader;
  readonly cancelled: readonly number[];
}

/**
 * A control's effect, pure, so that the driving instance applies it the same way whichever
 * instance received it. Each is idempotent: on a rollout not in the state it changes (pausing a
 * paused one, cancelling a finished one) it returns the header as it is (the same object).
 * Pause: RUNNING → PAUSED. Resume: PAUSED → RUNNING (after a canary pause: the rest may start).
 * Cancel: RUNNING or PAUSED → CANCELLED, with the PENDING units to be marked CANCELLED.
 */
export function applyControl(
  control: RolloutControl,
  header: RolloutHeader,
  units: readonly RolloutUnit[],
): Controlled {
  if (control === 'pause')
    return {
      header: header.status === 'RUNNING' ? { ...header, status: 'PAUSED' } : header,
      cancelled: [],
    };
  if (control === 'resume') {
    if (header.status !== 'PAUSED') return { header, cancelled: [] };
    return {
      header: {
        ...header,
        status: 'RUNNING',
        canaryPassed: header.canaryPassed || canaryPassed(header, units),
      },
      cancelled: [],
    };
  }
  if (header.status !== 'RUNNING' && header.status !== 'PAUSED') return { header, cancelled: [] };
  return {
    header: { ...header, status: 'CANCELLED' },
    cancelled: units.filter((u) => u.status === 'PENDING').map((u) => u.index),
  };
}
