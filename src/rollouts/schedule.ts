import {
  countUnits,
  type RolloutHeader,
  type RolloutUnit,
  type RolloutUnitStatus,
} from './types.ts';

const DONE: ReadonlySet<RolloutUnitStatus> = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

/** What one scheduling step decides: the header's next state and the units to start now. */
export interface Decision {
  readonly header: RolloutHeader;
  /** Indexes of PENDING units to start, in order. */
  readonly start: readonly number[];
}

/** The first `canary` units, all ended and all succeeded. */
export function canaryPassed(header: RolloutHeader, units: readonly RolloutUnit[]): boolean {
  return units.slice(0, header.canary).every((u) => u.status === 'SUCCEEDED');
}

/**
 * One step of the rate controls, pure: given the rollout and its units now, what its state
 * becomes and which units start. The error budget first (once failed units exceed `maxErrors`
 * nothing starts: HALTED), then the canary (its units alone; the rest only once all of them
 * succeeded, after a pause when asked), then the concurrency cap. A rollout that is no longer
 * RUNNING starts nothing; it is complete once none of its units runs.
 */
export function decide(header: RolloutHeader, units: readonly RolloutUnit[], now: Date): Decision {
  if (header.status === 'PLANNED' || header.completedAt !== undefined) return { header, start: [] };
  const counts = countUnits(units);
  let next = header;
  const start: number[] = [];
  if (next.status === 'RUNNING' && counts.failed > next.maxErrors) {
    next = {
      ...next,
      status: 'HALTED',
      haltedBecause: `${counts.failed} unit(s) failed, more than maxErrors (${next.maxErrors}): no unit starts after that`,
    };
  }
  if (next.status === 'RUNNING' && !next.canaryPassed && next.canary > 0) {
    const canary = units.slice(0, next.canary);
    if (canary.every((u) => DONE.has(u.status))) {
      const failed = canary.find((u) => u.status !== 'SUCCEEDED');
      if (failed) {
        next = {
          ...next,
          status: 'HALTED',
          haltedBecause: `canary unit ${failed.index} (${failed.endpoint}) ended ${failed.status}${failed.error ? ` (${failed.error.code})` : ''}: the rest does not start`,
        };
      } else if (next.pauseAfterCanary) {
        next = { ...next, status: 'PAUSED' };
      } else {
        next = { ...next, canaryPassed: true };
      }
    }
  }
  if (next.status === 'RUNNING') {
    const window = next.canaryPassed || next.canary === 0 ? units.length : next.canary;
    let running = counts.running;
    for (let i = 0; i < window && running < next.maxConcurrency; i++) {
      if (units[i]?.status !== 'PENDING') continue;
      start.push(i);
      running++;
    }
  }
  const left = counts.running + start.length;
  const pending = counts.pending - start.length;
  if (left === 0 && (next.status !== 'RUNNING' || pending === 0) && next.status !== 'PAUSED') {
    next = {
      ...next,
      ...(next.status === 'RUNNING' && { status: 'SUCCEEDED' as const }),
      completedAt: now,
    };
  }
  return { header: next, start };
}
