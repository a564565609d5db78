import { describe, expect, it } from 'vitest';
import { reconciled } from '../../src/tasks/outcome.ts';
import type { Task } from '../../src/tasks/types.ts';

/**
 * Issue 26.1, the reconcile rules on the task's own clock (no wall time): what one read of the
 * vendor's state makes of a task whose write's answer was lost.
 */

const sent = new Date(Date.UTC(2026, 0, 1, 12));
const at = (ms: number) => new Date(sent.getTime() + ms);
const unknown: Task = {
  id: 'appliance:t',
  backend: 'appliance',
  operation: 'INSTALL_UPDATE',
  status: 'RUNNING',
  createdAt: sent,
  startedAt: sent,
  updatedAt: sent,
  error: { code: 'OUTCOME_UNKNOWN', message: 'lost' },
  poll: { kind: 'appliance.installOutcome', params: { version: '9.1.0.0', since: 0 } },
};
const GRACE = 1_000;

describe('reconciling a write whose answer was lost', () => {
  it('no sign keeps it until the grace period is over, then NOT_STARTED', () => {
    expect(reconciled(unknown, { status: 'QUEUED' }, at(GRACE - 1), GRACE)).toBe(unknown);
    const ended = reconciled(unknown, { status: 'QUEUED' }, at(GRACE), GRACE);
    expect(ended).toMatchObject({ status: 'ERROR', error: { code: 'NOT_STARTED' } });
  });

  it('a running vendor task is adopted: followed from then on, the error gone', () => {
    const poll = { kind: 'appliance.task', params: { taskId: 'v-1' } };
    const next = reconciled(
      unknown,
      { status: 'RUNNING', progress: 40, adopt: { nativeId: 'v-1', poll } },
      at(10),
      GRACE,
    );
    expect(next).toMatchObject({ status: 'RUNNING', nativeId: 'v-1', poll, progress: 40 });
    expect(next.error).toBeUndefined();
  });

  it('a running state without a vendor task to follow is no sign', () => {
    expect(reconciled(unknown, { status: 'RUNNING' }, at(10), GRACE)).toBe(unknown);
  });

  it('an adopted task that ended before the write was sent ends now, not then (its TTL counts from its end)', () => {
    const poll = { kind: 'appliance.task', params: { taskId: 'v-0' } };
    const next = reconciled(
      unknown,
      { status: 'SUCCESS', completedAt: at(-60_000), adopt: { nativeId: 'v-0', poll } },
      at(10),
      GRACE,
    );
    expect(next).toMatchObject({ status: 'SUCCESS', completedAt: at(10) });
  });
});
