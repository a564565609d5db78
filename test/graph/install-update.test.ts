import { afterEach, describe, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime } from '../helpers/runtime.ts';
import { waitFor } from '../helpers/wait-for.ts';

let t: TestRuntime;
afterEach(() => t?.close());

const INSTALL = `mutation($version: String!) {
  installUpdate(input: { version: $version }) {
    __typename
    ... on InstallUpdatePayload { task { id status progress operation backend nativeId target { id ... on Update { version } } } }
    ... on Error { code message }
    ... on ValidationError { fields { path message } }
    ... on ConflictError { task { id } }
    ... on BackendRejectedError { backend vendorCode }
  }
}`;
const TASK = `query($id: ID!) { task(id: $id) { id status progress completedAt error { code message } } }`;

type InstallResult = {
  installUpdate: {
    __typename: string;
    task?: {
      id: string;
      status: string;
      progress: number | null;
      nativeId: string;
      target: { version: string };
    };
    code?: string;
    fields?: { path: string[]; message: string }[];
    vendorCode?: string;
  };
};
type TaskResult = {
  task: {
    id: string;
    status: string;
    progress: number | null;
    error: { code: string } | null;
  } | null;
};

async function waitForTerminal(id: string) {
  return waitFor(async () => {
    const res = await t.gql<TaskResult>(TASK, { id });
    const task = res.data?.task;
    return task && ['SUCCESS', 'ERROR', 'CANCELLED'].includes(task.status) ? task : undefined;
  }, 'the task to end');
}

describe('installUpdate end to end', () => {
  it('lists updates and installs one: the task is polled to SUCCESS with progress 100', async () => {
    t = await startTestRuntime();
    const updates = await t.gql<{ updates: { version: string }[] }>('{ updates { version } }');
    expect(updates.data?.updates.map((u) => u.version)).toContain('9.0.3.0');

    const res = await t.gql<InstallResult>(INSTALL, { version: '9.0.3.0' });
    const payload = res.data?.installUpdate;
    expect(payload?.__typename).toBe('InstallUpdatePayload');
    expect(payload?.task).toMatchObject({
      operation: 'INSTALL_UPDATE',
      backend: 'APPLIANCE',
      target: { version: '9.0.3.0' },
    });
    expect(payload?.task?.nativeId).toBeTruthy();

    const done = await waitForTerminal(payload!.task!.id);
    expect(done).toMatchObject({ status: 'SUCCESS', progress: 100, error: null });
    expect(t.appliance.installedVersion()).toBe('9.0.3.0');
    // The tracker polled the vendor's task path, not something of its own.
    expect(
      t.appliance.server.count({ method: 'GET', path: `/tasks/${payload!.task!.nativeId}` }),
    ).toBeGreaterThan(0);
  });

  it('a failed appliance task ends the task ERROR with the appliance message', async () => {
    t = await startTestRuntime();
    t.appliance.failNextInstall('Not enough disk space on /storage/core');
    const res = await t.gql<InstallResult>(INSTALL, { version: '9.0.3.0' });
    const done = await waitForTerminal(res.data!.installUpdate.task!.id);
    expect(done.status).toBe('ERROR');
    expect(done.error).toMatchObject({
      code: 'APPLIANCE_TASK_FAILED',
      message: 'Not enough disk space on /storage/core',
    });
  });

  it('a second install while one runs is a ConflictError carrying the running task; the appliance sees one install', async () => {
    t = await startTestRuntime({ appliance: { installMs: 60_000 } });
    const [a, b] = await Promise.all([
      t.gql<InstallResult>(INSTALL, { version: '9.0.3.0' }),
      t.gql<InstallResult>(INSTALL, { version: '9.0.3.0' }),
    ]);
    const results = [a.data!.installUpdate, b.data!.installUpdate];
    const payload = results.find((r) => r.__typename === 'InstallUpdatePayload');
    const conflict = results.find((r) => r.__typename === 'ConflictError');
    expect(conflict).toMatchObject({ code: 'CONFLICT', task: { id: payload?.task?.id } });
    expect(t.appliance.server.count({ method: 'POST', path: /\/actions\/install$/ })).toBe(1);
  });

  it('an unknown version is a NotFoundError; a malformed one a ValidationError naming the field, with no backend call', async () => {
    t = await startTestRuntime();
    const missing = await t.gql<InstallResult>(INSTALL, { version: '0.0.1' });
    expect(missing.data?.installUpdate).toMatchObject({
      __typename: 'NotFoundError',
      code: 'NOT_FOUND',
    });

    t.appliance.server.clearLog();
    const invalid = await t.gql<InstallResult>(INSTALL, { version: '../../etc/passwd' });
    expect(invalid.data?.installUpdate).toMatchObject({
      __typename: 'ValidationError',
      code: 'VALIDATION',
    });
    expect(invalid.data?.installUpdate.fields?.[0]?.path).toEqual(['input', 'version']);
    expect(t.appliance.server.requests).toHaveLength(0);
  });

  it('a 400 ResponseError reaches the client as BackendRejectedError with the vendor code', async () => {
    t = await startTestRuntime();
    t.appliance.server.inject(
      {
        kind: 'status',
        status: 400,
        contentType: 'application/json',
        body: '{"error_code":"INVALID_REPOSITORY","message":"Repository unreachable","op_id":"0b5c"}',
      },
      { match: (r) => r.path.endsWith('/install') },
    );
    const res = await t.gql<InstallResult>(INSTALL, { version: '9.0.3.0' });
    expect(res.data?.installUpdate).toMatchObject({
      __typename: 'BackendRejectedError',
      code: 'BACKEND_REJECTED',
      backend: 'APPLIANCE',
      vendorCode: 'INVALID_REPOSITORY',
    });
  });

  it('an infrastructure failure is an error on that field only, with code and backend', async () => {
    t = await startTestRuntime({ config: { backendTimeoutMs: 200 } });
    t.appliance.server.inject(
      { kind: 'hang' },
      { match: (r) => r.path.endsWith('/retrieve-updates') },
    );
    const res = await t.gql<{
      updates: unknown;
      backends: { backend: string; configured: boolean }[];
    }>('{ updates { version } backends { backend configured } }');
    expect(res.errors).toHaveLength(1);
    expect(res.errors?.[0]).toMatchObject({
      path: ['updates'],
      extensions: { code: 'BACKEND_TIMEOUT', backend: 'appliance' },
    });
    expect(res.data?.backends).toHaveLength(5);
  });

  it('a restart mid-install (dropped connections, sessions lost) is ridden out within the grace period', async () => {
    t = await startTestRuntime({ appliance: { installMs: 400 } });
    const res = await t.gql<InstallResult>(INSTALL, { version: '9.1.0.0' });
    const id = res.data!.installUpdate.task!.id;
    await waitFor(async () => {
      const r = await t.gql<TaskResult>(TASK, { id });
      return r.data?.task?.status === 'RUNNING';
    }, 'the task to run');
    t.appliance.restart(300);
    const done = await waitForTerminal(id);
    expect(done).toMatchObject({ status: 'SUCCESS', progress: 100 });
    expect(t.appliance.server.count({ method: 'POST', path: '/session' })).toBeGreaterThanOrEqual(
      2,
    );
  });

  it('polls failing beyond the grace period end the task ERROR TRACKING_LOST', async () => {
    t = await startTestRuntime({
      appliance: { installMs: 60_000 },
      config: { taskGraceMs: 150, backendTimeoutMs: 100 },
    });
    const res = await t.gql<InstallResult>(INSTALL, { version: '9.1.0.0' });
    t.appliance.server.inject({ kind: 'status', status: 503 });
    const done = await waitForTerminal(res.data!.installUpdate.task!.id);
    expect(done).toMatchObject({ status: 'ERROR', error: { code: 'TRACKING_LOST' } });
  });

  it('installUpdate without a configured appliance answers BACKEND_NOT_CONFIGURED on that field', async () => {
    t = await startTestRuntime({ config: { backends: {} } });
    const res = await t.gql(INSTALL, { version: '9.0.3.0' });
    expect(res.errors?.[0]?.extensions).toMatchObject({
      code: 'BACKEND_NOT_CONFIGURED',
      backend: 'appliance',
    });
  });

  it('never logs the appliance password or a session id', async () => {
    t = await startTestRuntime();
    const res = await t.gql<InstallResult>(INSTALL, { version: '9.0.3.0' });
    await waitForTerminal(res.data!.installUpdate.task!.id);
    const logs = t.logs.join('\n');
    expect(logs).toContain('installUpdate'); // backend calls were logged at all
    expect(logs).not.toContain(t.appliance.config().password);
    for (const login of t.appliance.server.requests.filter((r) => r.path === '/session')) {
      expect(logs).not.toContain(login.headers.authorization);
    }
    for (const session of new Set(
      t.appliance.server.requests.map((r) => r.headers['x-dr-session']).filter(Boolean),
    )) {
      expect(logs).not.toContain(session);
    }
  });
});
