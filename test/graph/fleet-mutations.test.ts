import { afterEach, describe, expect, it } from 'vitest';
import {
  type ApplianceSimulator,
  startApplianceSimulator,
} from '../../src/backends/appliance/simulator.ts';
import { type HssSimulator, startHssSimulator } from '../../src/backends/hss/simulator.ts';
import { startSdmSimulator } from '../../src/backends/sdm/simulator.ts';
import type { EndpointConfig } from '../../src/config/index.ts';
import { startTestRuntime, type TestRuntime } from '../helpers/runtime.ts';
import { waitFor } from '../helpers/wait-for.ts';

/** SPEC §10 mutations: two HSS regions and two appliance sites, each a real simulator. */
let t: TestRuntime | undefined;
const closers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await t?.close();
  t = undefined;
  await Promise.all(closers.splice(0).map((s) => s.close()));
});

const ONLINE_STOPPED = '0b3c6f0e-5a36-4cf3-9d6d-9a0d8e2f4c11'; // ecs-web-prod-02: ndr stopped
const globalId = (type: string, id: string) => Buffer.from(`${type}:${id}`).toString('base64');

async function startFleet() {
  const eu = await startHssSimulator({ stepMs: 0 });
  const us = await startHssSimulator({ stepMs: 0 });
  const drA = await startApplianceSimulator({ installMs: 50 });
  const drB = await startApplianceSimulator({ installMs: 50 });
  closers.push(eu, us, drA, drB);
  const endpoint = (
    name: string,
    i: number,
    e: Pick<EndpointConfig, 'backend' | 'settings'>,
  ): EndpointConfig =>
    ({ name, source: 'file', origin: `endpoints[${i}]`, ...e }) as EndpointConfig;
  t = await startTestRuntime({
    config: {
      backends: {},
      endpoints: [
        endpoint('hss-eu', 0, { backend: 'hss', settings: eu.config() }),
        endpoint('hss-us', 1, { backend: 'hss', settings: us.config() }),
        endpoint('dr-a', 2, { backend: 'appliance', settings: drA.config() }),
        endpoint('dr-b', 3, { backend: 'appliance', settings: drB.config() }),
      ],
    },
  });
  return { t, eu, us, drA, drB };
}

const START = `mutation($input: StartPluginInput!) {
  startPlugin(input: $input) {
    __typename
    ... on StartPluginPayload { task { id endpoint } plugin { id endpoint } }
    ... on ValidationError { fields { path message } }
  }
}`;
interface StartResult {
  startPlugin: {
    __typename: string;
    task?: { id: string; endpoint: string };
    plugin?: { id: string; endpoint: string };
    fields?: { path: string[] }[];
  };
}
const TASK = 'query($id: ID!) { task(id: $id) { status endpoint } }';

function finished(rt: TestRuntime, id: string) {
  return waitFor(async () => {
    const res = await rt.gql<{ task: { status: string; endpoint: string } | null }>(TASK, { id });
    const task = res.data?.task;
    return task && ['SUCCESS', 'ERROR'].includes(task.status) ? task : undefined;
  }, 'the task to end');
}

const starts = (sim: HssSimulator) =>
  sim.server.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/start')).length;

describe('mutations on a fleet', () => {
  it('startPlugin with `endpoint` reaches that region only and its task is polled there to SUCCESS', async () => {
    const { t, eu, us } = await startFleet();
    const res = await t.gql<StartResult>(START, {
      input: { pluginCode: 'ndr', hostIds: [ONLINE_STOPPED], endpoint: 'hss-us' },
    });
    expect(res.data?.startPlugin).toMatchObject({
      __typename: 'StartPluginPayload',
      task: { endpoint: 'hss-us' },
      plugin: { id: globalId('Plugin', 'hss-us:ndr'), endpoint: 'hss-us' },
    });
    expect(await finished(t, res.data?.startPlugin.task?.id ?? '')).toEqual({
      status: 'SUCCESS',
      endpoint: 'hss-us',
    });
    expect(starts(us)).toBe(1);
    expect(starts(eu)).toBe(0);
    const row = (sim: HssSimulator) => sim.hostsFor('ndr').find((h) => h.hostId === ONLINE_STOPPED);
    expect(row(us)?.pluginStatus).toBe('running');
    expect(row(eu)?.pluginStatus).not.toBe('running');
  });

  it('a host global id carries its endpoint: no `endpoint` needed', async () => {
    const { t, eu, us } = await startFleet();
    const res = await t.gql<StartResult>(START, {
      input: { pluginCode: 'ndr', hostIds: [globalId('Host', `hss-eu:${ONLINE_STOPPED}`)] },
    });
    expect(res.data?.startPlugin.task?.endpoint).toBe('hss-eu');
    await finished(t, res.data?.startPlugin.task?.id ?? '');
    expect(starts(eu)).toBe(1);
    expect(starts(us)).toBe(0);
  });

  it('a native id with several endpoints and no `endpoint`, or an unknown endpoint, is a ValidationError on input.endpoint; nothing is sent', async () => {
    const { t, eu, us } = await startFleet();
    for (const extra of [{}, { endpoint: 'hss-ap' }, { endpoint: 'dr-a' }]) {
      const res = await t.gql<StartResult>(START, {
        input: { pluginCode: 'ndr', hostIds: [ONLINE_STOPPED], ...extra },
      });
      expect(res.data?.startPlugin.__typename).toBe('ValidationError');
      expect(res.data?.startPlugin.fields?.map((f) => f.path)).toEqual([['input', 'endpoint']]);
    }
    // A host id of one endpoint with `endpoint` naming the other.
    const mixed = await t.gql<StartResult>(START, {
      input: {
        pluginCode: 'ndr',
        hostIds: [globalId('Host', `hss-eu:${ONLINE_STOPPED}`)],
        endpoint: 'hss-us',
      },
    });
    expect(mixed.data?.startPlugin.fields?.map((f) => f.path)).toEqual([['input', 'endpoint']]);
    expect(starts(eu) + starts(us)).toBe(0);
  });

  it('the same start on two regions at once is two tasks: locks are per endpoint', async () => {
    const { t } = await startFleet();
    const input = (endpoint: string) => ({
      input: { pluginCode: 'ndr', hostIds: [ONLINE_STOPPED], endpoint },
    });
    const [a, b] = await Promise.all([
      t.gql<StartResult>(START, input('hss-eu')),
      t.gql<StartResult>(START, input('hss-us')),
    ]);
    expect([a.data?.startPlugin.__typename, b.data?.startPlugin.__typename]).toEqual([
      'StartPluginPayload',
      'StartPluginPayload',
    ]);
    expect(a.data?.startPlugin.task?.id).not.toBe(b.data?.startPlugin.task?.id);
  });

  it('updates(endpoint:) answers per appliance; installUpdate installs on the one named', async () => {
    const { t, drA, drB } = await startFleet();
    const listed = await t.gql<{
      a: { id: string; endpoint: string; version: string }[];
      all: { endpoint: string }[];
    }>('{ a: updates(endpoint: "dr-a") { id endpoint version } all: updates { endpoint } }');
    expect(listed.errors).toBeUndefined();
    const update = listed.data?.a[0];
    expect(update?.endpoint).toBe('dr-a');
    expect(Buffer.from(update?.id ?? '', 'base64').toString()).toBe(
      `Update:dr-a:${update?.version}`,
    );
    expect(new Set(listed.data?.all.map((u) => u.endpoint))).toEqual(new Set(['dr-a', 'dr-b']));

    // Both appliances offer it (until dr-b installs it): no one endpoint to pick.
    const ambiguous = await t.gql<{
      installUpdate: { __typename: string; fields?: { path: string[] }[] };
    }>(
      `mutation($input: InstallUpdateInput!) { installUpdate(input: $input) {
        __typename ... on ValidationError { fields { path } } } }`,
      { input: { version: update?.version } },
    );
    expect(ambiguous.data?.installUpdate.fields?.map((f) => f.path)).toEqual([
      ['input', 'endpoint'],
    ]);

    const installs = (sim: ApplianceSimulator) =>
      sim.server.requests.filter((r) => r.method === 'POST' && r.path.includes('install')).length;
    const res = await t.gql<{
      installUpdate: {
        __typename: string;
        task?: { id: string; endpoint: string };
        fields?: { path: string[] }[];
      };
    }>(
      `mutation($input: InstallUpdateInput!) { installUpdate(input: $input) {
        __typename ... on InstallUpdatePayload { task { id endpoint } } ... on ValidationError { fields { path } } } }`,
      { input: { version: update?.version, endpoint: 'dr-b' } },
    );
    expect(res.data?.installUpdate.task?.endpoint).toBe('dr-b');
    expect(await finished(t, res.data?.installUpdate.task?.id ?? '')).toEqual({
      status: 'SUCCESS',
      endpoint: 'dr-b',
    });
    expect(installs(drB)).toBe(1);
    expect(installs(drA)).toBe(0);
    // The task gauge counts it on its endpoint.
    const metrics = await (await t!.runtime.app.fetch('http://localhost/metrics')).text();
    expect(metrics).toContain(
      'plugin_graph_tasks{backend="appliance",endpoint="dr-b",status="SUCCESS"} 1',
    );
  });

  it('an SDM plug-in action with a global id of sdm-b reaches sdm-b only; a native id needs `endpoint`', async () => {
    const a = await startSdmSimulator({ stepMs: 0 });
    const b = await startSdmSimulator({ stepMs: 0 });
    closers.push(a, b);
    const sdm = (
      name: string,
      i: number,
      settings: ReturnType<typeof a.config>,
    ): EndpointConfig => ({
      name,
      backend: 'sdm',
      source: 'file',
      origin: `endpoints[${i}]`,
      settings,
    });
    t = await startTestRuntime({
      config: { endpoints: [sdm('sdm-a', 0, a.config()), sdm('sdm-b', 1, b.config())] },
    });
    const ACTION = `mutation($input: PerformPluginActionInput!) { performPluginAction(input: $input) {
      __typename ... on PerformPluginActionPayload { task { id endpoint } plugin { endpoint } }
      ... on ValidationError { fields { path } } } }`;
    type Result = {
      performPluginAction: {
        __typename: string;
        task?: { id: string; endpoint: string };
        plugin?: { endpoint: string };
        fields?: { path: string[] }[];
      };
    };
    const ambiguous = await t.gql<Result>(ACTION, {
      input: { pluginId: 'ID7', action: 'INSTALL' },
    });
    expect(ambiguous.data?.performPluginAction.fields?.map((f) => f.path)).toEqual([
      ['input', 'endpoint'],
    ]);
    const res = await t.gql<Result>(ACTION, {
      input: { pluginId: globalId('Plugin', 'sdm-b:ID7'), action: 'INSTALL' },
    });
    expect(res.data?.performPluginAction).toMatchObject({
      task: { endpoint: 'sdm-b' },
      plugin: { endpoint: 'sdm-b' },
    });
    const rt = t;
    expect(await finished(rt, res.data?.performPluginAction.task?.id ?? '')).toEqual({
      status: 'SUCCESS',
      endpoint: 'sdm-b',
    });
    const actions = (sim: typeof a) =>
      sim.server.count({ method: 'POST', path: /\/admin\/plugins\/ID7\/action$/ });
    expect(actions(b)).toBe(1);
    expect(actions(a)).toBe(0);
  });

  it('updates over two appliances with one failing: the other’s updates plus a partial error naming it; node(id) and tasks(endpoint:) per appliance', async () => {
    const { t, drB } = await startFleet();
    const listed = await t.gql<{ updates: { id: string; endpoint: string }[] }>(
      '{ updates(endpoint: "dr-a") { id endpoint } }',
    );
    const id = listed.data?.updates[0]?.id;
    const node = await t.gql<{ node: { endpoint: string } | null }>(
      'query($id: ID!) { node(id: $id) { ... on Update { endpoint } } }',
      { id },
    );
    expect(node.data?.node).toEqual({ endpoint: 'dr-a' });

    drB.server.inject({ kind: 'status', status: 500 });
    const res = await t.gql<{ updates: { endpoint: string }[] }>('{ updates { endpoint } }');
    expect(new Set(res.data?.updates.map((u) => u.endpoint))).toEqual(new Set(['dr-a']));
    expect(res.errors).toHaveLength(1);
    expect(res.errors?.[0]?.extensions).toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
      backend: 'appliance',
      endpoint: 'dr-b',
      partial: true,
    });
    drB.server.clearFaults();

    const version = (
      await t.gql<{ updates: { version: string }[] }>('{ updates(endpoint: "dr-a") { version } }')
    ).data?.updates[0]?.version;
    await t.gql(
      'mutation($input: InstallUpdateInput!) { installUpdate(input: $input) { __typename } }',
      {
        input: { version, endpoint: 'dr-a' },
      },
    );
    const tasks = async (endpoint: string) =>
      (
        await t.gql<{ tasks: { edges: { node: { endpoint: string } }[] } }>(
          'query($e: String) { tasks(endpoint: $e) { edges { node { endpoint } } } }',
          { e: endpoint },
        )
      ).data?.tasks.edges.map((e) => e.node.endpoint);
    expect(await tasks('dr-a')).toEqual(['dr-a']);
    expect(await tasks('dr-b')).toEqual([]);
  });
});
