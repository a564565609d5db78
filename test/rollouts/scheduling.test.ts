import { describe, expect, it } from 'vitest';
import type { Rollout } from '../../src/rollouts/types.ts';
import { waitFor } from '../helpers/wait-for.ts';
import {
  fleetHost,
  follow,
  type RolloutResult,
  START_ROLLOUT,
  starts,
  useRolloutFleet,
} from './helpers.ts';

const fleet = useRolloutFleet();
const NDR = { startPlugin: { pluginCode: 'ndr' } };

const CHANGE = (field: string) => `mutation($id: ID!) {
  ${field}(input: { id: $id }) {
    __typename
    ... on ${field.charAt(0).toUpperCase()}${field.slice(1)}Payload { rollout { status counts { pending running cancelled } } }
  }
}`;
type ChangeResult = Record<
  string,
  { __typename: string; rollout?: { status: string; counts: Record<string, number> } }
>;

const launched = (r: Rollout) =>
  r.units.filter((u) => u.status !== 'PENDING' && u.status !== 'CANCELLED');

describe('rollout rate controls', () => {
  it('canary failure: HALTED, nothing after the canary launched', async () => {
    const { t, eu, us } = await fleet([4, 0]);
    // The canary unit's host is offline: its start fails at HSS.
    eu.setAgentStatus(fleetHost(0), 'offline');
    const res = await t.gql<RolloutResult>(START_ROLLOUT, {
      input: {
        action: NDR,
        endpoints: ['hss-eu'],
        hostsPerUnit: 1,
        canary: 1,
        maxConcurrency: '4',
        maxErrors: '3',
      },
    });
    const id = res.data?.startRollout.rollout?.id as string;
    const last = (await follow(t, id)).at(-1);
    expect(last?.status).toBe('HALTED');
    expect(last?.haltedBecause).toMatch(/canary unit 0/);
    expect(last?.units.map((u) => u.status)).toEqual(['FAILED', 'PENDING', 'PENDING', 'PENDING']);
    expect(starts(eu) + starts(us)).toBe(1);
  });

  it('canary success, then the rest', async () => {
    const { t, eu } = await fleet([4, 0]);
    const res = await t.gql<RolloutResult>(START_ROLLOUT, {
      input: {
        action: NDR,
        endpoints: ['hss-eu'],
        hostsPerUnit: 1,
        canary: 2,
        maxConcurrency: '4',
      },
    });
    const states = await follow(t, res.data?.startRollout.rollout?.id as string);
    expect(states.at(-1)?.status).toBe('SUCCEEDED');
    // While the canary ran, nothing else did.
    for (const state of states) {
      const canaryDone = state.units.slice(0, 2).every((u) => u.status === 'SUCCEEDED');
      if (!canaryDone) expect(launched(state).every((u) => u.index < 2)).toBe(true);
    }
    expect(starts(eu)).toBe(4);
  });

  it('maxErrors "10%" of 40 units with 5 failing: halts after the 5th failure, running units finish', async () => {
    const { t, eu } = await fleet([40, 0]);
    for (const i of [10, 11, 12, 13, 14]) eu.setAgentStatus(fleetHost(i), 'offline');
    const res = await t.gql<RolloutResult>(START_ROLLOUT, {
      input: {
        action: NDR,
        endpoints: ['hss-eu'],
        hostsPerUnit: 1,
        maxConcurrency: '4',
        maxErrors: '10%',
      },
    });
    expect(res.data?.startRollout.rollout?.maxErrors).toBe(4);
    let atHalt: number[] | undefined;
    const states = await follow(t, res.data?.startRollout.rollout?.id as string, (r) => {
      if (r.status === 'HALTED' && !atHalt) atHalt = launched(r).map((u) => u.index);
    });
    const last = states.at(-1) as Rollout;
    expect(last.status).toBe('HALTED');
    expect(last.haltedBecause).toMatch(/5 unit\(s\) failed, more than maxErrors \(4\)/);
    expect(last.completedAt).toBeDefined();
    // No unit started after the halt; those running then finished.
    expect(launched(last).map((u) => u.index)).toEqual(atHalt);
    expect(last.units.filter((u) => u.status === 'RUNNING')).toEqual([]);
    expect(last.units.filter((u) => u.status === 'PENDING').length).toBeGreaterThan(0);
    expect(starts(eu)).toBe(launched(last).length);
  });

  it('pause, resume and cancel are idempotent; cancel lets the running unit finish', async () => {
    // A long HSS step: a started unit runs until the test steps the simulator.
    const { t, eu } = await fleet([4, 0], { stepMs: 3_600_000 });
    const res = await t.gql<RolloutResult>(START_ROLLOUT, {
      input: {
        action: NDR,
        endpoints: ['hss-eu'],
        hostsPerUnit: 1,
        canary: 1,
        pauseAfterCanary: true,
      },
    });
    const id = res.data?.startRollout.rollout?.id as string;
    const seen: Rollout[] = [];
    const done = follow(t, id, (r) => seen.push(r));
    await waitFor(() => starts(eu) === 1 || undefined, 'the canary start call');
    eu.step();
    await waitFor(
      () => seen.at(-1)?.status === 'PAUSED' || undefined,
      'the pause after the canary',
    );
    for (const field of ['pauseRollout', 'pauseRollout']) {
      const r = await t.gql<ChangeResult>(CHANGE(field), { id });
      expect(r.data?.[field]?.rollout?.status).toBe('PAUSED');
    }
    expect(starts(eu)).toBe(1);
    for (const field of ['resumeRollout', 'resumeRollout']) {
      const r = await t.gql<ChangeResult>(CHANGE(field), { id });
      expect(r.data?.[field]?.rollout?.status).toBe('RUNNING');
    }
    await waitFor(() => starts(eu) === 2 || undefined, 'the next unit after resume');
    const cancelled = await t.gql<ChangeResult>(CHANGE('cancelRollout'), { id });
    expect(cancelled.data?.cancelRollout?.rollout).toEqual({
      status: 'CANCELLED',
      counts: { pending: 0, running: 1, cancelled: 2 },
    });
    const again = await t.gql<ChangeResult>(CHANGE('cancelRollout'), { id });
    expect(again.data?.cancelRollout?.rollout?.status).toBe('CANCELLED');
    eu.step();
    await done;
    const last = seen.at(-1) as Rollout;
    expect(last.units.map((u) => u.status)).toEqual([
      'SUCCEEDED',
      'SUCCEEDED',
      'CANCELLED',
      'CANCELLED',
    ]);
    expect(last.completedAt).toBeDefined();
    expect(starts(eu)).toBe(2);
    const unknown = await t.gql<ChangeResult>(CHANGE('pauseRollout'), { id: 'nope' });
    expect(unknown.data?.pauseRollout?.__typename).toBe('NotFoundError');
  });

  it('a unit whose target is busy fails with CONFLICT', async () => {
    const { t, eu } = await fleet([2, 0], { stepMs: 3_600_000 });
    const busy = await t.gql<{ startPlugin: { __typename: string } }>(
      `mutation($h: [ID!]) { startPlugin(input: { pluginCode: "ndr", endpoint: "hss-eu", hostIds: $h }) { __typename } }`,
      { h: [fleetHost(0)] },
    );
    expect(busy.data?.startPlugin.__typename).toBe('StartPluginPayload');
    const res = await t.gql<RolloutResult>(START_ROLLOUT, {
      input: { action: NDR, hostIds: [fleetHost(0)], hostsPerUnit: 1, maxErrors: '1' },
    });
    const last = (await follow(t, res.data?.startRollout.rollout?.id as string)).at(-1);
    expect(last?.units[0]).toMatchObject({ status: 'FAILED', error: { code: 'CONFLICT' } });
    expect(starts(eu)).toBe(1);
  });
});
