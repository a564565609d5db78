import { afterEach, describe, expect, it } from 'vitest';
import { MemoryTaskStore } from '../../../src/tasks/store.ts';
import { TaskTracker } from '../../../src/tasks/tracker.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { CEPH, PROMETHEUS, pollToEnd, type Rig, rig } from './helpers.ts';

let r: Rig;
afterEach(() => r.close());

describe('zstack async jobs', () => {
  it('soft-deletes with deleteMode=Permissive in the query string and follows the job', async () => {
    r = await rig({ pollsPerJob: 2 });
    const started = await r.client.deletePluginDriver(PROMETHEUS, 'Permissive');
    const del = r.sim.server.requests.at(-1)!;
    expect(del).toMatchObject({
      method: 'DELETE',
      path: `/zstack/v1/external/plugins/${PROMETHEUS}`,
      body: '',
    });
    expect([...del.query.entries()]).toEqual([['deleteMode', 'Permissive']]);
    expect(del.headers.authorization).toMatch(/^OAuth [0-9a-f]{32}$/);
    expect(started).toEqual({
      nativeId: expect.stringMatching(/^[0-9a-f]{32}$/),
      poll: { kind: 'zstack.job', params: { path: `/v1/api-jobs/${started.nativeId}` } },
      initial: { status: 'QUEUED' },
    });
    // The work happens when the job finishes, not at the 202.
    expect(r.sim.drivers().find((d) => d.uuid === PROMETHEUS)?.deleted).toBe(false);

    const seen = await pollToEnd(r.client, started);
    expect(seen).toEqual([
      { status: 'RUNNING', progress: null },
      { status: 'RUNNING', progress: null },
      { status: 'SUCCESS' },
    ]);
    const poll = r.sim.server.requests.at(-1)!;
    expect(poll).toMatchObject({ method: 'GET', path: `/zstack/v1/api-jobs/${started.nativeId}` });
    expect(poll.headers.authorization).toBe(del.headers.authorization);
    expect(r.sim.drivers().find((d) => d.uuid === PROMETHEUS)?.deleted).toBe(true);
    const plugin = (await r.client.listPlugins()).find((p) => p.nativeId === PROMETHEUS);
    expect(plugin).toMatchObject({ status: 'DELETED', vendorStatus: 'deleted' });
  });

  it('hard-deletes with deleteMode=Enforcing: the row is gone', async () => {
    r = await rig();
    const started = await r.client.deletePluginDriver(PROMETHEUS, 'Enforcing');
    expect(r.sim.server.requests.at(-1)?.query.get('deleteMode')).toBe('Enforcing');
    expect((await pollToEnd(r.client, started)).at(-1)).toEqual({ status: 'SUCCESS' });
    expect(r.sim.drivers().some((d) => d.uuid === PROMETHEUS)).toBe(false);
    expect((await r.client.listPlugins()).some((p) => p.nativeId === PROMETHEUS)).toBe(false);
  });

  it('deleting an unknown uuid succeeds, as ZStack does', async () => {
    r = await rig();
    const started = await r.client.deletePluginDriver(
      '0123456789abcdef0123456789abcdef',
      'Enforcing',
    );
    expect((await pollToEnd(r.client, started)).at(-1)).toEqual({ status: 'SUCCESS' });
    expect(r.sim.drivers()).toHaveLength(4);
  });

  it('refresh wraps its body in refreshPluginDrivers with tags beside it and restores a deleted driver', async () => {
    r = await rig();
    const started = await r.client.refreshPluginDrivers('ceph-external');
    const put = r.sim.server.requests.at(-1)!;
    expect(put).toMatchObject({ method: 'PUT', path: '/zstack/v1/external/plugins' });
    expect(put.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(put.body)).toEqual({
      refreshPluginDrivers: { name: 'ceph-external' },
      systemTags: [],
      userTags: [],
    });
    expect((await pollToEnd(r.client, started)).at(-1)).toEqual({ status: 'SUCCESS' });
    expect((await r.client.listPlugins()).find((p) => p.nativeId === CEPH)).toMatchObject({
      status: 'AVAILABLE',
      vendorStatus: 'active',
    });
    // Only the named driver was reloaded.
    expect(r.sim.drivers()).toHaveLength(4);
  });

  it('refresh without a name rescans everything: hard-deleted and new drivers come back', async () => {
    r = await rig();
    await pollToEnd(r.client, await r.client.deletePluginDriver(PROMETHEUS, 'Enforcing'));
    const started = await r.client.refreshPluginDrivers();
    expect(JSON.parse(r.sim.server.requests.at(-1)!.body)).toEqual({
      refreshPluginDrivers: {},
      systemTags: [],
      userTags: [],
    });
    await pollToEnd(r.client, started);
    const plugins = await r.client.listPlugins();
    expect(plugins.map((p) => p.name).sort()).toEqual([
      'ceph-external',
      'h3c-sdn',
      'prometheus',
      'sangfor-ngaf',
      'xsky-sds',
    ]);
    expect(plugins.every((p) => p.status === 'AVAILABLE')).toBe(true);
  });

  it('with stepMs a job keeps running until its time has passed', async () => {
    r = await rig({ stepMs: 100, pollsPerJob: 0 });
    const started = await r.client.deletePluginDriver(PROMETHEUS, 'Permissive');
    const poll = r.client.pollers()['zstack.job']!;
    expect(await poll(started.poll!.params)).toEqual({ status: 'RUNNING', progress: null });
    const end = await waitFor(async () => {
      const seen = await poll(started.poll!.params);
      return seen.status === 'RUNNING' ? undefined : seen;
    }, 'the job to end');
    expect(end).toEqual({ status: 'SUCCESS' });
  });

  it('a failed job ends ERROR with the ZStack code, description and details', async () => {
    r = await rig();
    r.sim.failNextJob({
      code: 'SYS.1006',
      description: 'operation failure',
      details: 'plugin directory unreadable',
    });
    const started = await r.client.refreshPluginDrivers();
    expect((await pollToEnd(r.client, started)).at(-1)).toEqual({
      status: 'ERROR',
      error: {
        code: 'SYS.1006',
        message: 'operation failure',
        details: 'plugin directory unreadable',
      },
    });
    // A failed refresh did nothing.
    expect(r.sim.drivers().find((d) => d.uuid === CEPH)?.deleted).toBe(true);
  });

  it('an expired job (404, plain text) ends ERROR JOB_EXPIRED', async () => {
    r = await rig({ pollsPerJob: 5 });
    const started = await r.client.deletePluginDriver(PROMETHEUS, 'Permissive');
    r.sim.expireJobs();
    expect(await pollToEnd(r.client, started)).toEqual([
      { status: 'ERROR', error: { code: 'JOB_EXPIRED', message: expect.any(String) } },
    ]);
  });

  it('polls through the configured base even when the location names another host', async () => {
    r = await rig({ locationOrigin: 'http://mn-2.internal:8080' });
    const started = await r.client.deletePluginDriver(PROMETHEUS, 'Permissive');
    expect(started.poll?.params).toEqual({ path: `/v1/api-jobs/${started.nativeId}` });
    expect((await pollToEnd(r.client, started)).at(-1)).toEqual({ status: 'SUCCESS' });
    expect(r.sim.server.requests.at(-1)?.path).toBe(`/zstack/v1/api-jobs/${started.nativeId}`);
  });

  it('re-logs in and polls again when the session expired during a job', async () => {
    r = await rig({ pollsPerJob: 1 });
    const started = await r.client.deletePluginDriver(PROMETHEUS, 'Permissive');
    r.sim.expireSessions();
    const seen = await pollToEnd(r.client, started);
    expect(seen).toEqual([{ status: 'RUNNING', progress: null }, { status: 'SUCCESS' }]);
    expect(r.sim.server.count({ path: '/zstack/v1/accounts/login' })).toBe(2);
  });

  it('an invalid delete mode fails in the job with SYS.1007', async () => {
    r = await rig();
    const started = await r.client.deletePluginDriver(PROMETHEUS, 'Gently' as 'Permissive');
    expect((await pollToEnd(r.client, started)).at(-1)).toMatchObject({
      status: 'ERROR',
      error: { code: 'SYS.1007' },
    });
  });

  it('drives the real task tracker to SUCCESS through the registered poller', async () => {
    r = await rig({ pollsPerJob: 2 });
    const tracker = new TaskTracker({
      store: new MemoryTaskStore(60),
      pollers: r.client.pollers(),
      intervalMs: 5,
      graceMs: 1_000,
    });
    const task = await tracker.launch({
      backend: 'zstack',
      operation: 'DELETE_PLUGIN_DRIVER',
      lockKey: `zstack:plugin:${PROMETHEUS}`,
      target: { type: 'Plugin', id: `zstack:${PROMETHEUS}` },
      start: () => r.client.deletePluginDriver(PROMETHEUS, 'Permissive'),
    });
    expect(task).toMatchObject({ status: 'QUEUED', nativeId: expect.any(String) });
    const end = await waitFor(async () => {
      const now = await tracker.get(task.id);
      return now?.status === 'SUCCESS' || now?.status === 'ERROR' ? now : undefined;
    }, 'the task to end');
    tracker.close();
    expect(end).toMatchObject({ status: 'SUCCESS', progress: 100, nativeId: task.nativeId });
    expect(end.startedAt).toBeInstanceOf(Date);
    expect(r.sim.server.count({ path: `/zstack/v1/api-jobs/${task.nativeId}` })).toBe(3);
  });
});
