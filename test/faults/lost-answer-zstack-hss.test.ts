import { afterEach, describe, expect, it } from 'vitest';
import { type FullRuntime, startFullRuntime } from '../helpers/full-runtime.ts';
import { type TaskView, taskUntil } from './task-until.ts';

/**
 * Issue 26.1 on ZStack and HSS: a write whose answer is lost keeps its task (OUTCOME_UNKNOWN),
 * and the vendor's state resolves it: the ZStack job asked for by the uuid we gave it
 * (`X-Job-UUID`), the HSS hosts' plugin_status.
 */

type Payload = { __typename: string; task?: TaskView };
const TASK_FIELDS = 'task { id status nativeId error { code } }';
const REFRESH = `mutation { refreshPluginDrivers(input: {}) { __typename
  ... on RefreshPluginDriversPayload { ${TASK_FIELDS} } ... on ConflictError { task { id } } } }`;
const START = `mutation($hosts: [ID!]) { startPlugin(input: { pluginCode: "ndr", hostIds: $hosts }) {
  __typename ... on StartPluginPayload { ${TASK_FIELDS} } } }`;
const ONLINE_STOPPED = '0b3c6f0e-5a36-4cf3-9d6d-9a0d8e2f4c11'; // HSS fixture: ndr stopped
const REFRESHES = { method: 'PUT', path: '/zstack/v1/external/plugins' };
const isRefresh = (r: { method: string; path: string }) =>
  r.method === REFRESHES.method && r.path === REFRESHES.path;

let t: FullRuntime | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('ZStack: a call whose answer is lost', () => {
  it('acted, then cut off: its job, asked for by the uuid we gave it, is adopted; one call only', async () => {
    const rt = await startFullRuntime({}, { zstack: { pollsPerJob: Number.POSITIVE_INFINITY } });
    t = rt;
    rt.sims.zstack.server.inject({ kind: 'acted', lost: 'drop' }, { times: 1, match: isRefresh });
    const first = (await rt.gql<{ refreshPluginDrivers: Payload }>(REFRESH)).data
      ?.refreshPluginDrivers;
    expect(first?.task).toMatchObject({ status: 'RUNNING', error: { code: 'OUTCOME_UNKNOWN' } });
    const id = first?.task?.id as string;
    const retry = (await rt.gql<{ refreshPluginDrivers: Payload }>(REFRESH)).data
      ?.refreshPluginDrivers;
    expect(retry).toMatchObject({ __typename: 'ConflictError', task: { id } });

    const sent = rt.sims.zstack.server.requests.find(isRefresh);
    const jobUuid = sent?.headers['x-job-uuid'];
    expect(jobUuid).toMatch(/^[0-9a-f]{32}$/);
    const adopted = await taskUntil(rt, id, (task) => task.nativeId !== null);
    expect(adopted).toMatchObject({ status: 'RUNNING', nativeId: jobUuid, error: null });
    expect(rt.sims.zstack.server.count(REFRESHES)).toBe(1);
  });

  it('sent but never acted on: no job of that uuid, so after the grace period NOT_STARTED', async () => {
    const rt = await startFullRuntime({ backendTimeoutMs: 300, taskGraceMs: 200 });
    t = rt;
    rt.sims.zstack.server.inject({ kind: 'hang' }, { times: 1, match: isRefresh });
    const first = (await rt.gql<{ refreshPluginDrivers: Payload }>(REFRESH)).data
      ?.refreshPluginDrivers;
    expect(first?.task?.error?.code).toBe('OUTCOME_UNKNOWN');
    const ended = await taskUntil(rt, first?.task?.id as string, (task) => task.status === 'ERROR');
    expect(ended.error?.code).toBe('NOT_STARTED');
    const retry = (await rt.gql<{ refreshPluginDrivers: Payload }>(REFRESH)).data
      ?.refreshPluginDrivers;
    expect(retry?.__typename).toBe('RefreshPluginDriversPayload');
  });
});

describe('HSS: a start whose answer is lost', () => {
  it('acted, then cut off: the hosts’ plugin_status resolves the task; one call only', async () => {
    const rt = await startFullRuntime();
    t = rt;
    const isStart = (r: { method: string; path: string }) =>
      r.method === 'POST' && r.path.endsWith('/plugins/attachments/start');
    rt.sims.hss.server.inject({ kind: 'acted', lost: 'drop' }, { times: 1, match: isStart });
    const first = (await rt.gql<{ startPlugin: Payload }>(START, { hosts: [ONLINE_STOPPED] })).data
      ?.startPlugin;
    expect(first?.task).toMatchObject({ status: 'RUNNING', error: { code: 'OUTCOME_UNKNOWN' } });
    const done = await taskUntil(
      rt,
      first?.task?.id as string,
      (task) => task.status !== 'RUNNING',
    );
    expect(done).toMatchObject({ status: 'SUCCESS', error: null });
    expect(rt.sims.hss.server.count({ method: 'POST' })).toBe(1);
  });
});
