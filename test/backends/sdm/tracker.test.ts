import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SdmClient } from '../../../src/backends/sdm/client.ts';
import { type SdmSimulator, startSdmSimulator } from '../../../src/backends/sdm/simulator.ts';
import { ConflictError } from '../../../src/domain/errors.ts';
import { MemoryTaskStore } from '../../../src/tasks/store.ts';
import { TaskTracker } from '../../../src/tasks/tracker.ts';
import { isTerminal } from '../../../src/tasks/types.ts';
import { waitFor } from '../../helpers/wait-for.ts';

/** The SDM client's Started and poller through the real tracker, against the simulator. */

let sim: SdmSimulator;
let client: SdmClient;
let tracker: TaskTracker;

beforeEach(async () => {
  sim = await startSdmSimulator({ stepMs: 20 });
  client = new SdmClient(sim.config(), { timeoutMs: 2_000 });
  tracker = new TaskTracker({
    store: new MemoryTaskStore(60),
    pollers: client.pollers(),
    intervalMs: 10,
    graceMs: 1_000,
  });
});

afterEach(async () => {
  tracker.close();
  await client.close();
  await sim.close();
});

const launchInstall = () =>
  tracker.launch({
    backend: 'sdm',
    operation: 'PLUGIN_INSTALL',
    lockKey: 'sdm:plugin:ID7:PLUGIN_INSTALL',
    target: { type: 'Plugin', id: 'sdm:ID7' },
    start: () => client.startAction('ID7', 'install'),
  });

describe('sdm action task through the tracker', () => {
  it('runs install to SUCCESS with one vendor request despite a duplicate launch', async () => {
    const task = await launchInstall();
    expect(task).toMatchObject({ status: 'RUNNING', progress: 0 });
    await expect(launchInstall()).rejects.toBeInstanceOf(ConflictError);
    const done = await waitFor(async () => {
      const current = await tracker.get(task.id);
      return current && isTerminal(current.status) ? current : undefined;
    }, 'the task to end');
    expect(done).toMatchObject({ status: 'SUCCESS', progress: 100 });
    expect(sim.server.count({ method: 'POST', path: /\/ID7\/action$/ })).toBe(1);
    expect(sim.plugin('ID7')?.members.every((m) => m.pluginStatus === 'INSTALLED')).toBe(true);
  });
});
