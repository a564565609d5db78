import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ApplianceClient,
  type ApplianceClientOptions,
} from '../../../src/backends/appliance/client.ts';
import {
  type ApplianceSimulator,
  startApplianceSimulator,
} from '../../../src/backends/appliance/simulator.ts';
import { BackendError } from '../../../src/backends/errors.ts';
import { BackendRejectedError, NotFoundError } from '../../../src/domain/errors.ts';
import { clientEvents } from '../../helpers/client-events.ts';

let sim: ApplianceSimulator;
let client: ApplianceClient;

async function setup(
  options: Parameters<typeof startApplianceSimulator>[0] = {},
  timeoutMs = 2_000,
  clientOptions: Partial<ApplianceClientOptions> = {},
) {
  sim = await startApplianceSimulator({ installMs: 0, ...options });
  client = new ApplianceClient(sim.config(), { retrievePollMs: 5, ...clientOptions, timeoutMs });
}

afterEach(async () => {
  await client.close();
  await sim.close();
});

describe('appliance client against its simulator', () => {
  beforeEach(() => setup());

  it('logs in with Basic auth and sends x-dr-session on every later call', async () => {
    const updates = await client.listUpdates();
    expect(updates.map((u) => u.version)).toEqual(['9.0.2.1', '9.0.3.0', '9.1.0.0']);
    expect(updates[0]).toMatchObject({
      type: 'SECURITY',
      severity: 'critical',
      rebootRequired: false,
    });
    expect(updates[0]?.releaseDate?.toISOString()).toBe('2026-09-15T00:00:00.000Z');

    const [login, retrieve] = sim.server.requests;
    expect(login).toMatchObject({ method: 'POST', path: '/session' });
    const basic = Buffer.from(`${sim.config().username}:${sim.config().password}`).toString(
      'base64',
    );
    expect(login?.headers.authorization).toBe(`Basic ${basic}`);
    expect(retrieve).toMatchObject({
      method: 'POST',
      path: '/appliance/update-manager/actions/retrieve-updates',
    });
    expect(retrieve?.headers['x-dr-session']).toBe([...sim.sessions][0]);
  });

  it('caches the update list briefly', async () => {
    await client.listUpdates();
    await client.listUpdates();
    expect(sim.server.count({ path: '/appliance/update-manager/actions/retrieve-updates' })).toBe(
      1,
    );
  });

  it('installs an update: 202 with a native task, then the task path', async () => {
    const started = await client.installUpdate('9.0.3.0');
    expect(started.poll).toEqual({ kind: 'appliance.task', params: { taskId: started.nativeId } });
    const install = sim.server.requests.at(-1);
    expect(install).toMatchObject({
      method: 'POST',
      path: '/appliance/update-manager/updates/9.0.3.0/actions/install',
      body: '',
    });
    const seen = await client.getTask(started.nativeId!);
    expect(seen).toMatchObject({ status: 'SUCCESS', progress: 100 });
    expect(sim.installedVersion()).toBe('9.0.3.0');
    expect(sim.server.requests.at(-1)?.path).toBe(`/tasks/${started.nativeId}`);
  });

  it('logs in again once when the session expired (401 without body)', async () => {
    await client.listUpdates();
    sim.expireSessions();
    const started = await client.installUpdate('9.1.0.0');
    expect(started.nativeId).toBeTruthy();
    expect(sim.server.count({ method: 'POST', path: '/session' })).toBe(2);
  });

  it('answers NotFoundError for an unknown update (404 without body)', async () => {
    await expect(client.installUpdate('1.0.0')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('turns a 400 ResponseError into BackendRejectedError with the vendor code', async () => {
    const slow = await startApplianceSimulator({ installMs: 60_000 });
    const other = new ApplianceClient(slow.config(), { timeoutMs: 2_000 });
    try {
      await other.installUpdate('9.0.3.0');
      const err = await other.installUpdate('9.1.0.0').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BackendRejectedError);
      expect(err).toMatchObject({
        vendorCode: 'UPDATE_ALREADY_IN_PROGRESS',
        backend: 'appliance',
        httpStatus: 400,
      });
    } finally {
      await other.close();
      await slow.close();
    }
  });

  it('reports bad credentials as BACKEND_AUTH_FAILED, never echoing the password', async () => {
    const wrong = new ApplianceClient(
      { ...sim.config(), password: 'not-the-password' },
      { timeoutMs: 2_000 },
    );
    const err = await wrong.installUpdate('9.0.3.0').catch((e: unknown) => e);
    await wrong.close();
    expect(err).toBeInstanceOf(BackendError);
    expect((err as BackendError).code).toBe('BACKEND_AUTH_FAILED');
    expect(JSON.stringify(err) + String(err)).not.toContain('not-the-password');
  });

  it('maps a malformed body to BACKEND_BAD_RESPONSE', async () => {
    await client.ping();
    sim.server.inject(
      { kind: 'malformed' },
      { times: 1, match: (r) => r.path.endsWith('/install') },
    );
    await expect(client.installUpdate('9.0.3.0')).rejects.toMatchObject({
      code: 'BACKEND_BAD_RESPONSE',
    });
  });

  it('maps 500 ResponseError to BACKEND_UNAVAILABLE with the vendor code', async () => {
    sim.server.inject(
      {
        kind: 'status',
        status: 500,
        contentType: 'application/json',
        body: '{"error_code":"INTERNAL","message":"boom"}',
      },
      { times: 1, match: (r) => r.path.endsWith('/install') },
    );
    await expect(client.installUpdate('9.0.3.0')).rejects.toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
      vendorCode: 'INTERNAL',
    });
  });

  it('ping proves reachability without creating a session per check', async () => {
    await client.ping();
    await client.ping();
    expect(sim.server.count({ method: 'POST', path: '/session' })).toBe(1);
  });

  it('logs out on close', async () => {
    await client.ping();
    expect(sim.sessions.size).toBe(1);
    await client.close();
    expect(sim.sessions.size).toBe(0);
    expect(sim.server.requests.at(-1)).toMatchObject({ method: 'DELETE', path: '/session' });
    client = new ApplianceClient(sim.config(), { timeoutMs: 2_000 }); // for afterEach
  });
});

describe('appliance client timeouts and restarts', () => {
  it('a hanging appliance gives BACKEND_TIMEOUT at the deadline: one request, no retry, no wait', async () => {
    const events = clientEvents();
    await setup({}, 300, events.options);
    // Every request hangs (the login first): only the client's own deadline can end the call.
    sim.server.inject({ kind: 'hang' });
    await expect(client.listUpdates()).rejects.toMatchObject({
      code: 'BACKEND_TIMEOUT',
      backend: 'appliance',
    });
    // The deadline covers the whole operation: the hung request is the only one sent, the only
    // attempt made, and no wait was asked for (a retry with a fresh deadline would show here).
    expect(sim.server.count()).toBe(1);
    expect(events.calls.map((c) => [c.attempt, c.errorCode])).toEqual([[1, 'BACKEND_TIMEOUT']]);
    expect(events.waits).toEqual([]);
  });

  it('a dropped connection on a read is retried, on a write it is not', async () => {
    await setup();
    await client.ping();
    sim.server.inject({ kind: 'drop' }, { times: 1, match: (r) => r.path.startsWith('/tasks/') });
    await client.ping();
    sim.server.inject({ kind: 'drop' }, { times: 1, match: (r) => r.path.endsWith('/install') });
    await expect(client.installUpdate('9.0.3.0')).rejects.toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
    });
    expect(
      sim.server.count({ path: '/appliance/update-manager/updates/9.0.3.0/actions/install' }),
    ).toBe(1);
  });

  it('prefix and task path are configurable', async () => {
    await setup({ prefix: '/configure', taskPath: '/api/tasks/{id}' });
    expect(sim.config().url.endsWith('/configure')).toBe(true);
    const started = await client.installUpdate('9.0.2.1');
    await client.getTask(started.nativeId!);
    expect(sim.server.requests.at(-1)?.path).toBe(`/configure/api/tasks/${started.nativeId}`);
  });
});
