import { afterEach, describe, expect, it } from 'vitest';
import { TASK_MAX_DURATION_DEFAULTS } from '../../src/tasks/max-duration.ts';
import type { PolledTask } from '../../src/tasks/poll-round.ts';
import { nextState } from '../../src/tasks/poll-verdict.ts';
import { type FullRuntime, startFullRuntime } from '../helpers/full-runtime.ts';
import { waitFor } from '../helpers/wait-for.ts';

/**
 * Issue 26.2: a vendor job that never finishes no longer holds its target for ever. Past its
 * operation's longest duration (TASK_MAX_DURATION_MS overrides every default) the task ends ERROR
 * TASK_TIMEOUT and its lock is freed.
 */

const DELETE = `mutation($id: ID!) {
  deletePluginDriver(input: { pluginId: $id }) {
    __typename
    ... on DeletePluginDriverPayload { task { id status } }
    ... on ConflictError { task { id } }
  }
}`;
type Answer = { deletePluginDriver: { __typename: string; task?: { id: string } } };
type TaskView = { status: string; error: { code: string; message: string } | null };
const TASK = 'query($id: ID!) { task(id: $id) { status error { code message } } }';
const JOB_POLLS = { method: 'GET', path: /\/v1\/api-jobs\// };

let t: FullRuntime | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('TASK_MAX_DURATION_MS', () => {
  it('a ZStack job answering 202 for ever ends TASK_TIMEOUT and frees its target', async () => {
    const rt = await startFullRuntime(
      { taskMaxDurationMs: 150 },
      { zstack: { pollsPerJob: Number.POSITIVE_INFINITY } },
    );
    t = rt;
    const [driver] = rt.sims.zstack.drivers();
    const id = driver?.uuid as string;

    const first = (await rt.gql<Answer>(DELETE, { id })).data?.deletePluginDriver;
    expect(first?.__typename).toBe('DeletePluginDriverPayload');
    const taskId = first?.task?.id as string;
    const ended = await waitFor(async () => {
      const task = (await rt.gql<{ task: TaskView }>(TASK, { id: taskId })).data?.task;
      return task?.status === 'ERROR' ? task : undefined;
    }, 'the task to end ERROR');
    expect(ended.error?.code).toBe('TASK_TIMEOUT');
    // The job was followed (it answered "running") until then.
    expect(rt.sims.zstack.server.count(JOB_POLLS)).toBeGreaterThan(0);

    // Free: the same target takes a new launch instead of a ConflictError.
    const second = (await rt.gql<Answer>(DELETE, { id })).data?.deletePluginDriver;
    expect(second?.__typename).toBe('DeletePluginDriverPayload');
    expect(second?.task?.id).not.toBe(taskId);
  });

  it('is judged on the task’s own clock: one poll before its limit keeps it, the poll at its limit ends it', () => {
    const createdAt = new Date(Date.UTC(2026, 0, 1));
    const max = TASK_MAX_DURATION_DEFAULTS.REFRESH_PLUGIN_DRIVERS;
    const task: PolledTask = {
      id: 'zstack:t',
      backend: 'zstack',
      operation: 'REFRESH_PLUGIN_DRIVERS',
      status: 'RUNNING',
      createdAt,
      updatedAt: createdAt,
      poll: { kind: 'zstack.job', params: { path: '/v1/api-jobs/x' } },
    };
    const running = { seen: { status: 'RUNNING' as const } };
    const at = (ms: number) => new Date(createdAt.getTime() + ms);
    expect(nextState(task, running, at(max - 1), { graceMs: 1_000 }).status).toBe('RUNNING');
    const ended = nextState(task, running, at(max), { graceMs: 1_000 });
    expect(ended).toMatchObject({ status: 'ERROR', error: { code: 'TASK_TIMEOUT' } });
    // The override wins over every operation's default.
    const overridden = nextState(task, running, at(10), { graceMs: 1_000, maxDurationMs: 10 });
    expect(overridden.error?.code).toBe('TASK_TIMEOUT');
  });
});
