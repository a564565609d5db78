import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hssFleet } from '../../src/backends/hss/fixtures.ts';
import { type HssSimulator, startHssSimulator } from '../../src/backends/hss/simulator.ts';
import { hssFileEndpoint } from '../helpers/hss-fleet.ts';
import { startTestRuntime, type TestRuntime } from '../helpers/runtime.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { follow, type RolloutResult, rawId, START_ROLLOUT, starts } from './helpers.ts';

const open: { close(): Promise<void> }[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close().catch(() => undefined);
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function runtimeOn(dataDir: string, sim: HssSimulator): Promise<TestRuntime> {
  const t = await startTestRuntime({
    config: { dataDir, endpoints: [hssFileEndpoint('hss-eu', sim, 0)] },
  });
  open.push(t);
  return t;
}

describe('rollouts across a restart (SQLite data dir)', () => {
  it('a restarted instance goes on with the rollout, each unit sent exactly once', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rollout-restart-'));
    dirs.push(dataDir);
    // A long HSS step: the first unit is still running at the vendor when the instance stops.
    const sim = await startHssSimulator({ stepMs: 3_600_000, fixtures: hssFleet(3) });
    open.push(sim);
    const first = await runtimeOn(dataDir, sim);
    const res = await first.gql<RolloutResult>(START_ROLLOUT, {
      input: { action: { startPlugin: { pluginCode: 'ndr' } }, hostsPerUnit: 1 },
    });
    const id = res.data?.startRollout.rollout?.id as string;
    await waitFor(() => starts(sim) === 1 || undefined, 'the first unit sent');
    await first.runtime.close();
    open.splice(open.indexOf(first), 1);

    const second = await runtimeOn(dataDir, sim);
    const resumed = await second.runtime.rollouts.get(rawId(id));
    expect(resumed?.status).toBe('RUNNING');
    expect(resumed?.units.map((u) => u.status)).toEqual(['RUNNING', 'PENDING', 'PENDING']);
    // Each vendor step completes the one unit running; the next starts only then.
    const done = follow(second, id);
    for (let sent = 1; sent <= 3; sent++) {
      await waitFor(() => starts(sim) >= sent || undefined, `unit ${sent - 1} sent`);
      sim.step();
    }
    const last = (await done).at(-1);
    expect(last?.status).toBe('SUCCEEDED');
    expect(starts(sim)).toBe(3);
    // The first unit's task is the one launched before the restart.
    expect(last?.units[0]?.taskId).toBe(resumed?.units[0]?.taskId);
  });
});
