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
async function finished(id: string): Promise<TaskView> {
  return waitFor(async () => {
    const res = await t.gql<{ task: TaskView }>(
      'query($id: ID!) { task(id: $id) { id status progress error { code message } } }',
      { id },
    );
    const task = res.data?.task;
    return task && ['SUCCESS', 'ERROR'].includes(task.status) ? task : undefined;
  }, 'the task to end');
}

const ONLINE_STOPPED = '0b3c6f0e-5a36-4cf3-9d6d-9a0d8e2f4c11'; // ecs-web-prod-02: ndr stopped
const OFFLINE = '9f1d3b7c-2e4a-4d6b-b8c0-6a5e4f3d2c1b'; // bms-hpc-node-07: agent offline

const START = `mutation($input: StartPluginInput!) {
  startPlugin(input: $input) {
    __typename
    ... on StartPluginPayload { task { id operation } plugin { nativeId } }
    ... on Error { code message }
    ... on ValidationError { fields { path message } }
  }
}`;
type StartResult = {
  startPlugin: {
    __typename: string;
    task?: { id: string };
    fields?: { path: string[] }[];
    code?: string;
  };
};

describe('HSS through the graph', () => {
  it('startPlugin on an online host reaches SUCCESS and the host runs the plugin', async () => {
    const res = await t.gql<StartResult>(START, {
      input: { pluginCode: 'ndr', hostIds: [globalId('Host', `hss:${ONLINE_STOPPED}`)] },
    });
    expect(res.data?.startPlugin.__typename).toBe('StartPluginPayload');
    expect(await finished(res.data!.startPlugin.task!.id)).toMatchObject({
      status: 'SUCCESS',
      progress: 100,
    });
    const rows = await t.gql<{
      installations: { edges: { node: { host: { nativeId: string }; vendorStatus: string } }[] };
    }>(
      '{ installations(backend: HSS, pluginId: "hss:ndr") { edges { node { host { nativeId } vendorStatus } } } }',
    );
    const row = rows.data?.installations.edges.find((e) => e.node.host.nativeId === ONLINE_STOPPED);
    expect(row?.node.vendorStatus).toBe('running');
    const start = t.sims.hss.server.requests.find(
      (r) => r.method === 'POST' && r.path.endsWith('/plugins/attachments/start'),
    );
    expect(JSON.parse(start!.body)).toEqual({
      plugin_code: 'ndr',
      operate_all: false,
      host_id_list: [ONLINE_STOPPED],
    });
  });

  it('startPlugin on an offline host ends ERROR', async () => {
    const res = await t.gql<StartResult>(START, {
      input: { pluginCode: 'edr', hostIds: [OFFLINE] },
    });
    const done = await finished(res.data!.startPlugin.task!.id);
    expect(done.status).toBe('ERROR');
    expect(done.error?.message).toBeTruthy();
  });

  it('a 65-character plugin code or missing hosts is a ValidationError naming the fields, HSS never called', async () => {
    t.clearLogs();
    const res = await t.gql<StartResult>(START, { input: { pluginCode: 'x'.repeat(65) } });
    expect(res.data?.startPlugin.__typename).toBe('ValidationError');
    expect(res.data?.startPlugin.fields?.map((f) => f.path)).toEqual([
      ['input', 'pluginCode'],
      ['input', 'hostIds'],
    ]);
    expect(t.sims.hss.server.requests).toHaveLength(0);
  });

  it('stopPlugin follows the hosts to stopped', async () => {
    const res = await t.gql<{ stopPlugin: { task: { id: string } } }>(
      'mutation { stopPlugin(input: { pluginCode: "edr", hostIds: ["71a15ecc-049f-4cca-bd28-5e90aca1817f"] }) { ... on StopPluginPayload { task { id } } } }',
    );
    expect(await finished(res.data!.stopPlugin.task.id)).toMatchObject({ status: 'SUCCESS' });
  });
});

const INSTALL = `mutation($input: InstallSuperClientPluginInput!) {
  installSuperClientPlugin(input: $input) {
    __typename
    ... on InstallSuperClientPluginPayload { task { status progress operation } installation { id superClientId installedAt plugin { name } } }
    ... on Error { code message }
    ... on BackendRejectedError { vendorCode backend }
  }
}`;
type InstallResult = {
  installSuperClientPlugin: {
    __typename: string;
    code?: string;
    vendorCode?: string;
    task?: { status: string; progress: number };
    installation?: { superClientId: string; installedAt: string; plugin: { name: string } };
  };
};
const GLEMM = 'g1eMmQrW3tH8kLpV0xYz2A';
const TREEBANK = 'JpmdMRPt7796HpMpHRGHrr'; // not permitted

describe('KorAP through the graph', () => {
  it('installs a plugin (task already SUCCESS), a second time is AlreadyInstalledError', async () => {
    const first = await t.gql<InstallResult>(INSTALL, { input: { clientId: GLEMM } });
    expect(first.data?.installSuperClientPlugin).toMatchObject({
      __typename: 'InstallSuperClientPluginPayload',
      task: { status: 'SUCCESS', progress: 100 },
      installation: {
        superClientId: t.config.backends.korap?.superClientId,
        plugin: { name: 'Glemm Query Rewriter' },
      },
    });
    const second = await t.gql<InstallResult>(INSTALL, { input: { clientId: GLEMM } });
    expect(second.data?.installSuperClientPlugin).toMatchObject({
      __typename: 'AlreadyInstalledError',
      code: 'ALREADY_INSTALLED',
    });
  });

  it('an unpermitted plugin is NotPermittedError; an unknown one NotFoundError', async () => {
    const denied = await t.gql<InstallResult>(INSTALL, { input: { clientId: TREEBANK } });
    expect(denied.data?.installSuperClientPlugin).toMatchObject({
      __typename: 'NotPermittedError',
      code: 'NOT_PERMITTED',
    });
    const unknown = await t.gql<InstallResult>(INSTALL, { input: { clientId: 'no-such-client' } });
    expect(unknown.data?.installSuperClientPlugin).toMatchObject({ __typename: 'NotFoundError' });
  });

  it('a wrong caller-supplied super client secret is BackendRejectedError and the secret is never echoed or logged', async () => {
    const secret = 'caller-supplied-very-secret-value';
    const res = await t.post(INSTALL, {
      input: {
        clientId: GLEMM,
        superClientId: t.config.backends.korap?.superClientId,
        superClientSecret: secret,
      },
    });
    const text = await res.text();
    expect(JSON.parse(text).data.installSuperClientPlugin).toMatchObject({
      __typename: 'BackendRejectedError',
      vendorCode: 'invalid_client',
      backend: 'KORAP',
    });
    expect(text).not.toContain(secret);
    expect(t.logs.join('\n')).not.toContain(secret);
  });

  it('uninstall removes the installation', async () => {
    const res = await t.gql<{
      uninstallSuperClientPlugin: { __typename: string; task: { status: string } };
    }>(
      `mutation { uninstallSuperClientPlugin(input: { clientId: "${GLEMM}" }) { __typename ... on UninstallSuperClientPluginPayload { task { status } } } }`,
    );
    expect(res.data?.uninstallSuperClientPlugin).toMatchObject({
      __typename: 'UninstallSuperClientPluginPayload',
      task: { status: 'SUCCESS' },
    });
    const again = await t.gql<{ uninstallSuperClientPlugin: { __typename: string } }>(
      `mutation { uninstallSuperClientPlugin(input: { clientId: "${GLEMM}" }) { __typename } }`,
    );
    expect(again.data?.uninstallSuperClientPlugin.__typename).toBe('NotFoundError');
  });
});
