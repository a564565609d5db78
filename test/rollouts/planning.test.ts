import { describe, expect, it } from 'vitest';
import {
  fleetHost,
  follow,
  maxRunning,
  type RolloutResult,
  START_ROLLOUT,
  starts,
  useRolloutFleet,
  writes,
} from './helpers.ts';

const fleet = useRolloutFleet();
const NDR = { startPlugin: { pluginCode: 'ndr' } };

describe('startRollout planning (SPEC §13)', () => {
  it('refuses each bad input with a ValidationError naming its field, sending nothing', async () => {
    const { t, eu, us } = await fleet([3, 3]);
    const cases: [Record<string, unknown>, string][] = [
      [{ action: {} }, 'input.action'],
      [{ action: { ...NDR, stopPlugin: { pluginCode: 'ndr' } } }, 'input.action'],
      [{ action: NDR, endpoints: ['nowhere'] }, 'input.endpoints.0'],
      [
        { action: { installUpdate: { version: '9.0.4.0' } }, endpoints: ['hss-eu'] },
        'input.endpoints.0',
      ],
      [{ action: { startPlugin: { pluginCode: 'edr' } } }, 'input.action.startPlugin.pluginCode'],
      [{ action: NDR, maxConcurrency: 'ten' }, 'input.maxConcurrency'],
      [{ action: NDR, maxErrors: '5 %%' }, 'input.maxErrors'],
      [
        { action: NDR, hostsPerUnit: 1, endpoints: ['hss-eu'], hostIds: [fleetHost(0), 'x'] },
        'input.hostIds.1',
      ],
      [{ action: NDR, installationStatus: ['RUNNING'] }, 'input.installationStatus'],
      [{ action: NDR, hostsPerUnit: 0 }, 'input.hostsPerUnit'],
    ];
    for (const [input, path] of cases) {
      const res = await t.gql<RolloutResult>(START_ROLLOUT, { input });
      expect(res.data?.startRollout.__typename, JSON.stringify(input)).toBe('ValidationError');
      expect(res.data?.startRollout.fields?.map((f) => f.path.join('.'))).toContain(path);
    }
    // The plugin no endpoint has is named, and which endpoints were asked.
    const edr = await t.gql<RolloutResult>(START_ROLLOUT, {
      input: { action: { startPlugin: { pluginCode: 'edr' } } },
    });
    expect(edr.data?.startRollout.fields?.[0]?.message).toMatch(/hss-eu, hss-us.*edr/);
    expect(writes(eu) + writes(us)).toBe(0);
  });

  it('refuses a plan of more units than ROLLOUT_MAX_UNITS', async () => {
    const { t } = await fleet([3, 3], { config: { rolloutMaxUnits: 5 } });
    const res = await t.gql<RolloutResult>(START_ROLLOUT, {
      input: { action: NDR, hostsPerUnit: 1 },
    });
    expect(res.data?.startRollout.fields?.[0]).toMatchObject({
      path: ['input', 'hostsPerUnit'],
      message: expect.stringMatching(/6 units.*ROLLOUT_MAX_UNITS \(5\)/),
    });
  });

  it('dryRun: PLANNED with its units per region and hostsPerUnit, and no vendor write', async () => {
    const { t, eu, us } = await fleet([5, 3]);
    const res = await t.gql<RolloutResult>(START_ROLLOUT, {
      input: { action: NDR, hostsPerUnit: 2, dryRun: true, maxConcurrency: '50%' },
    });
    const rollout = res.data?.startRollout.rollout;
    expect(rollout?.status).toBe('PLANNED');
    // hss-eu: 5 hosts in 3 units, hss-us: 3 hosts in 2.
    expect(rollout?.units.edges.map((e) => [e.node.endpoint, e.node.targets.length])).toEqual([
      ['hss-eu', 2],
      ['hss-eu', 2],
      ['hss-eu', 1],
      ['hss-us', 2],
      ['hss-us', 1],
    ]);
    expect(rollout?.maxConcurrency).toBe(2);
    expect(writes(eu) + writes(us)).toBe(0);
  });
});

describe('startRollout scheduling', () => {
  it('two regions, hostsPerUnit: one start call per unit, never more than maxConcurrency running', async () => {
    const { t, eu, us } = await fleet([6, 4]);
    const res = await t.gql<RolloutResult>(START_ROLLOUT, {
      input: { action: NDR, hostsPerUnit: 2, maxConcurrency: '2' },
    });
    const id = res.data?.startRollout.rollout?.id as string;
    const states = await follow(t, id);
    const last = states.at(-1);
    expect(last?.status).toBe('SUCCEEDED');
    expect(starts(eu)).toBe(3);
    expect(starts(us)).toBe(2);
    expect(maxRunning(states)).toBe(2);
    // Every unit is an ordinary task of the rollout, started by its caller.
    const task = await t.gql<{ task: unknown }>(
      'query($id: ID!) { task(id: $id) { status startedBy { name } rollout { id status } } }',
      { id: last?.units[0]?.taskId },
    );
    expect(task.data?.task).toEqual({
      status: 'SUCCESS',
      startedBy: { name: 'anonymous' },
      rollout: { id, status: 'SUCCEEDED' },
    });
  });
});
