import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FullRuntime, globalId, startFullRuntime } from '../helpers/full-runtime.ts';
import { waitFor } from '../helpers/wait-for.ts';

let t: FullRuntime;
beforeAll(async () => {
  t = await startFullRuntime();
});
afterAll(() => t.close());

type TaskView = {
  id: string;
  status: string;
  progress: number | null;
  error: { code: string; message: string } | null;
};
const TASK = 'query($id: ID!) { task(id: $id) { id status progress error { code message } } }';

async function finished(id: string): Promise<TaskView> {
  return waitFor(async () => {
    const task = (await t.gql<{ task: TaskView }>(TASK, { id })).data?.task;
    return task && ['SUCCESS', 'ERROR'].includes(task.status) ? task : undefined;
  }, 'the task to end');
}

const ACTION = `mutation($id: ID!, $action: PluginAction!) {
  performPluginAction(input: { pluginId: $id, action: $action }) {
    __typename
    ... on PerformPluginActionPayload { task { id status operation } plugin { nativeId status } }
    ... on Error { code message }
    ... on ConflictError { task { id } }
    ... on ValidationError { fields { path } }
  }
}`;
type ActionResult = {
  performPluginAction: {
    __typename: string;
    code?: string;
    task?: { id: string; operation?: string };
    plugin?: { status: string };
    fields?: { path: string[] }[];
  };
};

describe('SDM through the graph', () => {
  it('lists the SDM fixtures with members as hosts and installations', async () => {
    const res = await t.gql<{
      plugins: {
        edges: {
          node: {
            nativeId: string;
            name: string;
            installations: { edges: { node: { host: { nativeId: string } } }[] };
          };
        }[];
      };
    }>(
      '{ plugins(backend: SDM) { edges { node { nativeId name installations { edges { node { host { nativeId } } } } } } } }',
    );
    const nodes = res.data!.plugins.edges.map((e) => e.node);
    expect(nodes.map((n) => n.nativeId)).toEqual(['ID1', 'ID3', 'ID5', 'ID7', 'ID9']);
    expect(nodes.find((n) => n.nativeId === 'ID7')?.name).toBe('SBC Config & Audit');
    expect(nodes[0]?.installations.edges.length).toBe(3);
  });

  it('INSTALL on an uploaded plug-in: the task reaches SUCCESS and the plug-in becomes INSTALLED', async () => {
    const res = await t.gql<ActionResult>(ACTION, { id: 'ID7', action: 'INSTALL' });
    const payload = res.data!.performPluginAction;
    expect(payload).toMatchObject({
      __typename: 'PerformPluginActionPayload',
      task: { operation: 'PLUGIN_INSTALL' },
    });
    expect(await finished(payload.task!.id)).toMatchObject({ status: 'SUCCESS', progress: 100 });
    const after = await t.gql<{ node: { status: string; vendorStatus: string } }>(
      'query($id: ID!) { node(id: $id) { ... on Plugin { status vendorStatus } } }',
      { id: globalId('Plugin', 'sdm:ID7') },
    );
    expect(after.data?.node).toEqual({ status: 'INSTALLED', vendorStatus: 'INSTALLED' });
  });

  it('the same action fired twice at once: one task, one ConflictError, SDM sees one request', async () => {
    t.clearLogs();
    const [a, b] = await Promise.all([
      t.gql<ActionResult>(ACTION, { id: globalId('Plugin', 'sdm:ID9'), action: 'INSTALL' }),
      t.gql<ActionResult>(ACTION, { id: 'ID9', action: 'INSTALL' }),
    ]);
    const results = [a.data!.performPluginAction, b.data!.performPluginAction];
    const payload = results.find((r) => r.__typename === 'PerformPluginActionPayload');
    expect(results.find((r) => r.__typename === 'ConflictError')).toMatchObject({
      code: 'CONFLICT',
      task: { id: payload?.task?.id },
    });
    expect(
      t.sims.sdm.server.count({ method: 'POST', path: '/rest/v1.3/admin/plugins/ID9/action' }),
    ).toBe(1);
    await finished(payload!.task!.id);
  });

  it('an unknown plug-in is NotFoundError; a Host id where a Plugin belongs is ValidationError', async () => {
    const missing = await t.gql<ActionResult>(ACTION, { id: 'ID404', action: 'UNINSTALL' });
    expect(missing.data?.performPluginAction).toMatchObject({
      __typename: 'NotFoundError',
      code: 'NOT_FOUND',
    });
    const wrong = await t.gql<ActionResult>(ACTION, {
      id: globalId('Host', 'sdm:10.5.5.36'),
      action: 'INSTALL',
    });
    expect(wrong.data?.performPluginAction).toMatchObject({
      __typename: 'ValidationError',
      fields: [{ path: ['input', 'pluginId'] }],
    });
    const other = await t.gql<ActionResult>(ACTION, {
      id: globalId('Plugin', 'hss:ndr'),
      action: 'INSTALL',
    });
    expect(other.data?.performPluginAction.__typename).toBe('ValidationError');
  });

  it('a member failing mid-action ends the task ERROR', async () => {
    const res = await t.gql<ActionResult>(ACTION, { id: 'ID1', action: 'REPLACE' });
    t.sims.sdm.failMember('ID1', '10.5.5.37');
    const done = await finished(res.data!.performPluginAction.task!.id);
    expect(done.status).toBe('ERROR');
    expect(done.error?.message).toContain('10.5.5.37');
  });
});

const DELETE = `mutation($id: ID!, $mode: DeleteMode) {
  deletePluginDriver(input: { pluginId: $id, deleteMode: $mode }) {
    __typename
    ... on DeletePluginDriverPayload { task { id nativeId operation } }
    ... on Error { code message }
  }
}`;
const REFRESH = `mutation($name: String) {
  refreshPluginDrivers(input: { name: $name }) { __typename ... on RefreshPluginDriversPayload { task { id nativeId } } }
}`;
type DeleteResult = {
  deletePluginDriver: { __typename: string; task?: { id: string; nativeId: string } };
};
type RefreshResult = { refreshPluginDrivers: { task: { id: string } } };
const PROMETHEUS = 'e90949fe5ddd3e68a4646b97b812f905';
const XSKY = '5c1d2b8e7a0f4e3c9b6d1a2f3e4c5b6a';

async function driver(uuid: string) {
  const res = await t.gql<{ node: { name: string; status: string } | null }>(
    'query($id: ID!) { node(id: $id) { ... on Plugin { name status } } }',
    { id: globalId('Plugin', `zstack:${uuid}`) },
  );
  return res.data?.node ?? null;
}

describe('ZStack through the graph', () => {
  it('lists the driver fixtures', async () => {
    const res = await t.gql<{ plugins: { edges: { node: { name: string } }[] } }>(
      '{ plugins(backend: ZSTACK) { edges { node { name } } } }',
    );
    expect(res.data?.plugins.edges.map((e) => e.node.name).sort()).toEqual([
      'ceph-external',
      'h3c-sdn',
      'prometheus',
      'xsky-sds',
    ]);
  });

  it('PERMISSIVE delete: the job task reaches SUCCESS and the driver is marked deleted; refresh brings it back', async () => {
    const res = await t.gql<DeleteResult>(DELETE, { id: PROMETHEUS });
    const task = res.data!.deletePluginDriver.task!;
    expect(task.nativeId).toMatch(/^[0-9a-f]{32}$/); // the ZStack job uuid
    expect(await finished(task.id)).toMatchObject({ status: 'SUCCESS', progress: 100 });
    expect(await driver(PROMETHEUS)).toEqual({ name: 'prometheus', status: 'DELETED' });

    const refresh = await t.gql<RefreshResult>(REFRESH, { name: 'prometheus' });
    expect(await finished(refresh.data!.refreshPluginDrivers.task.id)).toMatchObject({
      status: 'SUCCESS',
    });
    expect(await driver(PROMETHEUS)).toEqual({ name: 'prometheus', status: 'AVAILABLE' });
  });

  it('ENFORCING delete removes the driver; a full refresh restores it', async () => {
    const res = await t.gql<DeleteResult>(DELETE, {
      id: globalId('Plugin', `zstack:${XSKY}`),
      mode: 'ENFORCING',
    });
    await finished(res.data!.deletePluginDriver.task!.id);
    expect(await driver(XSKY)).toBeNull();
    const refresh = await t.gql<RefreshResult>(REFRESH, {});
    await finished(refresh.data!.refreshPluginDrivers.task.id);
    expect(await driver(XSKY)).toMatchObject({ name: 'xsky-sds' });
  });

  it('a failed job ends the task ERROR with the ZStack code', async () => {
    t.sims.zstack.failNextJob({
      code: 'SYS.1006',
      description: 'operation failure',
      details: 'the driver is in use',
    });
    const res = await t.gql<DeleteResult>(DELETE, { id: PROMETHEUS });
    const done = await finished(res.data!.deletePluginDriver.task!.id);
    expect(done).toMatchObject({ status: 'ERROR', error: { code: 'SYS.1006' } });
  });

  it('a malformed uuid is a ValidationError without a ZStack call', async () => {
    t.clearLogs();
    const res = await t.gql<DeleteResult>(DELETE, { id: 'not-a-uuid' });
    expect(res.data?.deletePluginDriver.__typename).toBe('ValidationError');
    expect(t.sims.zstack.server.requests).toHaveLength(0);
  });
});
