import { afterEach, describe, expect, it } from 'vitest';
import type { Fault } from '../../src/backends/simulator/server.ts';
import { startTestRuntime, type TestRuntime } from '../helpers/runtime.ts';
import { type TaskView, taskUntil } from './task-until.ts';

/**
 * Issue 26.1 on the appliance: an install answered with an HTML 200, never answered, or cut off
 * after the appliance acted keeps its task and its lock (OUTCOME_UNKNOWN); a retry is a
 * ConflictError carrying it, so the appliance never gets a second install; the appliance's task
 * list tells which install task is that write's, and the task follows it. A 400 frees the target.
 */

const INSTALL = `mutation($v: String!) {
  installUpdate(input: { version: $v }) {
    __typename
    ... on InstallUpdatePayload { task { id status nativeId error { code } } }
    ... on ConflictError { task { id } }
    ... on Error { code }
  }
}`;
type Answer = { installUpdate: { __typename: string; task?: TaskView } | null };
const INSTALLS = { method: 'POST', path: /\/actions\/install$/ };
const isInstall = (r: { method: string; path: string }) =>
  r.method === 'POST' && INSTALLS.path.test(r.path);

let t: TestRuntime | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const LOST: [string, Fault][] = [
  ['answered with an HTML 200', { kind: 'acted', lost: 'html' }],
  ['never answered', { kind: 'acted', lost: 'hang' }],
  ['cut off', { kind: 'acted', lost: 'drop' }],
];

describe('appliance: an install whose answer is lost after it acted', () => {
  it.each(LOST)(
    '%s: the task is kept, a retry is a ConflictError, one install only, and the task list resolves it',
    async (_name, fault) => {
      // A long install: the appliance's task is still running whatever the machine's speed.
      const rt = await startTestRuntime({
        appliance: { installMs: 60_000 },
        config: { backendTimeoutMs: 300 },
      });
      t = rt;
      rt.appliance.server.inject(fault, { times: 1, match: isInstall });

      const first = (await rt.gql<Answer>(INSTALL, { v: '9.1.0.0' })).data?.installUpdate;
      expect(first).toMatchObject({
        __typename: 'InstallUpdatePayload',
        task: { status: 'RUNNING', nativeId: null, error: { code: 'OUTCOME_UNKNOWN' } },
      });
      const id = first?.task?.id as string;
      const retry = (await rt.gql<Answer>(INSTALL, { v: '9.1.0.0' })).data?.installUpdate;
      expect(retry).toMatchObject({ __typename: 'ConflictError', task: { id } });

      // Adopted: the appliance's own install task, polled as any from now on.
      const [installed] = rt.appliance.installTaskIds();
      const adopted = await taskUntil(rt, id, (task) => task.nativeId !== null);
      expect(adopted).toMatchObject({ status: 'RUNNING', nativeId: installed, error: null });
      const again = (await rt.gql<Answer>(INSTALL, { v: '9.1.0.0' })).data?.installUpdate;
      expect(again).toMatchObject({ __typename: 'ConflictError', task: { id } });

      expect(rt.appliance.server.count(INSTALLS)).toBe(1);
      expect(rt.appliance.installTaskIds()).toHaveLength(1);
      expect(rt.appliance.installsWhileBusy()).toBe(0);
    },
  );

  it('reconciled to its end: the adopted install task is followed to SUCCESS', async () => {
    const rt = await startTestRuntime({ appliance: { installMs: 100 } });
    t = rt;
    rt.appliance.server.inject({ kind: 'acted', lost: 'html' }, { times: 1, match: isInstall });
    const first = (await rt.gql<Answer>(INSTALL, { v: '9.1.0.0' })).data?.installUpdate;
    expect(first?.task?.error?.code).toBe('OUTCOME_UNKNOWN');
    const done = await taskUntil(
      rt,
      first?.task?.id as string,
      (task) => task.status !== 'RUNNING',
    );
    expect(done).toMatchObject({
      status: 'SUCCESS',
      nativeId: rt.appliance.installTaskIds()[0],
      error: null,
    });
    expect(rt.appliance.installedVersion()).toBe('9.1.0.0');
    expect(rt.appliance.server.count(INSTALLS)).toBe(1);
  });

  it('sent but never acted on: the task list shows no install, so after the grace period it ends NOT_STARTED and the target is free', async () => {
    const rt = await startTestRuntime({ config: { backendTimeoutMs: 300, taskGraceMs: 200 } });
    t = rt;
    rt.appliance.server.inject({ kind: 'hang' }, { times: 1, match: isInstall });
    const first = (await rt.gql<Answer>(INSTALL, { v: '9.1.0.0' })).data?.installUpdate;
    expect(first?.task?.error?.code).toBe('OUTCOME_UNKNOWN');
    const ended = await taskUntil(rt, first?.task?.id as string, (task) => task.status === 'ERROR');
    expect(ended.error?.code).toBe('NOT_STARTED');
    const retry = (await rt.gql<Answer>(INSTALL, { v: '9.1.0.0' })).data?.installUpdate;
    expect(retry?.__typename).toBe('InstallUpdatePayload');
    expect(rt.appliance.server.count(INSTALLS)).toBe(2);
    expect(rt.appliance.installTaskIds()).toHaveLength(1);
  });

  it('an install that ran just before is not taken for the lost one: no sign, NOT_STARTED', async () => {
    const rt = await startTestRuntime({ config: { backendTimeoutMs: 300, taskGraceMs: 200 } });
    t = rt;
    const earlier = (await rt.gql<Answer>(INSTALL, { v: '9.0.2.1' })).data?.installUpdate;
    await taskUntil(rt, earlier?.task?.id as string, (task) => task.status === 'SUCCESS');
    rt.appliance.server.inject({ kind: 'hang' }, { times: 1, match: isInstall });
    const lost = (await rt.gql<Answer>(INSTALL, { v: '9.1.0.0' })).data?.installUpdate;
    expect(lost?.task?.error?.code).toBe('OUTCOME_UNKNOWN');
    const ended = await taskUntil(rt, lost?.task?.id as string, (task) => task.status === 'ERROR');
    expect(ended).toMatchObject({ nativeId: null, error: { code: 'NOT_STARTED' } });
  });

  it('an appliance without a task list cannot tell: after the grace period the task ends OUTCOME_UNKNOWN and the target is free', async () => {
    const rt = await startTestRuntime({
      appliance: { installMs: 60_000, taskList: false },
      config: { taskGraceMs: 200 },
    });
    t = rt;
    rt.appliance.server.inject({ kind: 'acted', lost: 'html' }, { times: 1, match: isInstall });
    const first = (await rt.gql<Answer>(INSTALL, { v: '9.1.0.0' })).data?.installUpdate;
    const ended = await taskUntil(rt, first?.task?.id as string, (task) => task.status === 'ERROR');
    expect(ended.error?.code).toBe('OUTCOME_UNKNOWN');
    // Free again: the appliance itself now says whether it can take another install.
    const retry = (await rt.gql<Answer>(INSTALL, { v: '9.1.0.0' })).data?.installUpdate;
    expect(retry?.__typename).toBe('BackendRejectedError');
    expect(rt.appliance.installsWhileBusy()).toBe(1);
  });

  it('a 400 refusal frees the target at once', async () => {
    const rt = await startTestRuntime();
    t = rt;
    rt.appliance.server.inject(
      { kind: 'status', status: 400, contentType: 'application/json', body: '{}' },
      { times: 1, match: isInstall },
    );
    const refused = (await rt.gql<Answer>(INSTALL, { v: '9.1.0.0' })).data?.installUpdate;
    expect(refused?.__typename).toBe('BackendRejectedError');
    const retry = (await rt.gql<Answer>(INSTALL, { v: '9.1.0.0' })).data?.installUpdate;
    expect(retry?.__typename).toBe('InstallUpdatePayload');
    expect(rt.appliance.installTaskIds()).toHaveLength(1);
  });
});
