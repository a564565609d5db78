import { afterEach, describe, expect, it } from 'vitest';
import { type ValidHssOperation, validateStartInput } from '../../../src/backends/hss/client.ts';
import { AGENT_STATUSES } from '../../../src/backends/hss/wire.ts';
import { BackendRejectedError, ValidationError } from '../../../src/domain/errors.ts';
import { pollOne } from '../../../src/tasks/poll-round.ts';
import type { TaskObservation, TaskPoller } from '../../../src/tasks/types.ts';
import { type Rig, rig } from './helpers.ts';

let r: Rig | undefined;
afterEach(async () => {
  await r?.close();
  r = undefined;
});

const WEB1 = '71a15ecc-049f-4cca-bd28-5e90aca1817f';
const WEB2 = '0b3c6f0e-5a36-4cf3-9d6d-9a0d8e2f4c11';
const DB1 = 'c4e8f2a1-7b2d-4f7e-8a63-2d51b0c9e7a4';
const OFFLINE_HOST = '9f1d3b7c-2e4a-4d6b-b8c0-6a5e4f3d2c1b';
const WIN_AD = '5d2a8e6f-1c3b-4e9a-a7d4-8b6c5e4f3a2d';

/** One poller per rig, as the tracker holds one: it keeps the rows of hosts that finished. */
let poller: { rig: Rig; poller: TaskPoller } | undefined;
async function poll(
  started: Awaited<ReturnType<Rig['client']['startPlugin']>>,
): Promise<TaskObservation> {
  if (r && poller?.rig !== r) {
    const created = r.client.pollers()['hss.pluginState'];
    poller = created ? { rig: r, poller: created } : undefined;
  }
  if (!poller || !started.poll) throw new Error('no poller');
  return pollOne(poller.poller, started.poll.params);
}

/** One poll round from a clean log: what it observed, and which ListPluginStatus reads it made. */
async function round(started: Awaited<ReturnType<Rig['client']['startPlugin']>>) {
  if (!r) throw new Error('no rig');
  r.sim.server.clearLog();
  return { seen: await poll(started), reads: statusReads(r) };
}

/** The ListPluginStatus calls since the last clearLog: what each filtered by. */
function statusReads(rig: Rig) {
  return rig.sim.server.requests
    .filter((q) => q.method === 'GET' && q.path.endsWith('/plugins/attachments'))
    .map((q) => ({ status: q.query.get('plugin_status'), hostIds: q.query.getAll('host_ids') }));
}

describe('startPlugin / stopPlugin', () => {
  it('POSTs the documented body and returns a RUNNING task with a JSON-only poll spec', async () => {
    r = await rig({ stepMs: 60_000 });
    const started = await r.client.startPlugin(
      validateStartInput({ pluginCode: 'ndr', hostIds: [WEB2, DB1] }),
    );
    expect(started).toEqual({
      poll: {
        kind: 'hss.pluginState',
        params: {
          action: 'start',
          pluginCode: 'ndr',
          hostIds: [WEB2, DB1],
          projectId: r.sim.projectId,
          enterpriseProjectId: null,
        },
      },
      initial: { status: 'RUNNING', progress: 0 },
    });
    expect(JSON.parse(JSON.stringify(started.poll?.params))).toEqual(started.poll?.params);
    const [req] = r.sim.server.requests;
    expect(req?.method).toBe('POST');
    expect(req?.path).toBe(`/v5/${r.sim.projectId}/plugins/attachments/start`);
    expect(JSON.parse(req?.body ?? '')).toEqual({
      plugin_code: 'ndr',
      operate_all: false,
      host_id_list: [WEB2, DB1],
    });
    expect(req?.headers['content-type']).toBe('application/json;charset=UTF-8');
    expect(String(req?.headers.authorization)).toContain(
      'SignedHeaders=content-type;host;x-sdk-date,',
    );
  });

  it('start task: RUNNING while starting, SUCCESS when all run; a round reads the hosts still starting', async () => {
    r = await rig({ stepMs: 60_000 });
    const started = await r.client.startPlugin(
      validateStartInput({ pluginCode: 'ndr', hostIds: [WEB2, DB1] }),
    );
    expect(r.sim.hostsFor('ndr').filter((h) => h.pluginStatus === 'starting')).toHaveLength(2);
    r.sim.server.clearLog();
    expect(await poll(started)).toEqual({ status: 'RUNNING', progress: 0 });
    const [pollReq] = r.sim.server.requests;
    expect(pollReq?.path).toBe(`/v5/${r.sim.projectId}/plugins/attachments`);
    expect(pollReq?.query.get('plugin_code')).toBe('ndr');
    // Both targets are in the read of the code's starting hosts: nothing else to ask.
    expect(statusReads(r)).toEqual([{ status: 'starting', hostIds: [] }]);
    r.sim.step();
    r.sim.server.clearLog();
    expect(await poll(started)).toEqual({ status: 'SUCCESS', progress: 100 });
    // They left `starting`: their own rows, asked once by host_ids, say where they ended.
    expect(statusReads(r)).toEqual([
      { status: 'starting', hostIds: [] },
      { status: null, hostIds: [WEB2, DB1] },
    ]);
    const installations = await r.client.listInstallations();
    expect(installations.find((i) => i.nativeId === `ndr@${WEB2}`)?.status).toBe('RUNNING');
  });

  it('start task: a host that finished early is read once, not every round', async () => {
    r = await rig({ stepMs: 60_000 });
    const started = await r.client.startPlugin(
      validateStartInput({ pluginCode: 'ndr', hostIds: [WEB2, DB1] }),
    );
    r.sim.setPluginStatus('ndr', DB1, 'running');
    const starting = { status: 'starting', hostIds: [] };
    expect(await round(started)).toEqual({
      seen: { status: 'RUNNING', progress: 50 },
      reads: [starting, { status: null, hostIds: [DB1] }],
    });
    expect(await round(started)).toEqual({
      seen: { status: 'RUNNING', progress: 50 },
      reads: [starting],
    });
    r.sim.step();
    expect(await round(started)).toEqual({
      seen: { status: 'SUCCESS', progress: 100 },
      reads: [starting, { status: null, hostIds: [WEB2] }],
    });
  });

  it('start task: a host the vendor has not moved to starting yet stays pending and is asked again', async () => {
    r = await rig({ stepMs: 60_000 });
    const started = await r.client.startPlugin(
      validateStartInput({ pluginCode: 'ndr', hostIds: [WEB2] }),
    );
    r.sim.setPluginStatus('ndr', WEB2, 'stopped'); // as a vendor that lags behind its 200 would
    expect(await poll(started)).toEqual({ status: 'RUNNING', progress: 0 });
    r.sim.server.clearLog();
    expect(await poll(started)).toEqual({ status: 'RUNNING', progress: 0 });
    expect(statusReads(r)).toEqual([
      { status: 'starting', hostIds: [] },
      { status: null, hostIds: [WEB2] },
    ]);
    r.sim.setPluginStatus('ndr', WEB2, 'running');
    expect(await poll(started)).toEqual({ status: 'SUCCESS', progress: 100 });
  });

  it('a start and a stop of one code live at once: still one read a round, the code unfiltered', async () => {
    r = await rig({ stepMs: 60_000 });
    r.sim.setPluginStatus('ndr', DB1, 'running');
    const start = await r.client.startPlugin(
      validateStartInput({ pluginCode: 'ndr', hostIds: [WEB2] }),
    );
    const stop = await r.client.stopPlugin(
      validateStartInput({ pluginCode: 'ndr', hostIds: [DB1] }),
    );
    const poller = r.client.pollers()['hss.pluginState'];
    if (!poller || !('batchKey' in poller) || !start.poll || !stop.poll) throw new Error('no poll');
    expect(poller.batchKey(start.poll.params)).toBe(poller.batchKey(stop.poll.params));
    r.sim.server.clearLog();
    expect(await poller.poll([start.poll.params, stop.poll.params])).toEqual([
      { status: 'RUNNING', progress: 0 },
      { status: 'RUNNING', progress: 0 },
    ]);
    expect(statusReads(r)).toEqual([{ status: null, hostIds: [] }]);
    r.sim.step();
    r.sim.server.clearLog();
    expect(await poller.poll([start.poll.params, stop.poll.params])).toEqual([
      { status: 'SUCCESS', progress: 100 },
      { status: 'SUCCESS', progress: 100 },
    ]);
    expect(statusReads(r)).toEqual([{ status: null, hostIds: [] }]);
  });

  it('start task: ERROR with status_detail when the agent is offline (start_fail)', async () => {
    r = await rig();
    const started = await r.client.startPlugin(
      validateStartInput({
        pluginCode: 'ndr',
        hostIds: [WEB2, OFFLINE_HOST],
      }),
    );
    const seen = await poll(started);
    expect(seen).toMatchObject({
      status: 'ERROR',
      progress: 50,
      error: {
        code: 'START_FAIL',
        message: 'The agent is offline, the plugin could not be started',
      },
    });
  });

  it('start task: ERROR for a host where the plugin is not installed', async () => {
    r = await rig();
    const started = await r.client.startPlugin(
      validateStartInput({ pluginCode: 'antivirus', hostIds: [WEB1] }),
    );
    expect(await poll(started)).toMatchObject({
      status: 'ERROR',
      error: { code: 'START_FAIL', message: 'The plugin is not installed on this server' },
    });
  });

  it('start task: an agent going offline mid-start shows as offline -> ERROR', async () => {
    r = await rig({ stepMs: 60_000 });
    const started = await r.client.startPlugin(
      validateStartInput({ pluginCode: 'antivirus', hostIds: [WIN_AD] }),
    );
    r.sim.setAgentStatus(WIN_AD, 'offline');
    r.sim.step();
    expect(await poll(started)).toMatchObject({ status: 'ERROR', error: { code: 'START_FAIL' } });
  });

  it('operateAll resolves the targets at start: every host that has the plugin', async () => {
    r = await rig({ stepMs: 60_000 });
    const started = await r.client.startPlugin(
      validateStartInput({ pluginCode: 'ndr', operateAll: true }),
    );
    expect(started.poll?.params.hostIds).toEqual([WEB1, WEB2, DB1, OFFLINE_HOST]);
    const [list, post] = r.sim.server.requests;
    expect(list?.method).toBe('GET');
    expect(list?.query.get('plugin_code')).toBe('ndr');
    expect(JSON.parse(post?.body ?? '')).toEqual({
      plugin_code: 'ndr',
      operate_all: true,
      host_id_list: [],
    });
    r.sim.step();
    // The offline host fails the start; the others ran.
    expect(await poll(started)).toMatchObject({ status: 'ERROR', progress: 75 });
  });

  it('stop task: stopping -> stopped is SUCCESS', async () => {
    r = await rig({ stepMs: 60_000 });
    const started = await r.client.stopPlugin(
      validateStartInput({ pluginCode: 'edr', hostIds: [WEB1, WIN_AD] }),
    );
    expect(r.sim.server.requests[0]?.path).toBe(`/v5/${r.sim.projectId}/plugins/attachments/stop`);
    expect(started.poll?.params.action).toBe('stop');
    expect(await poll(started)).toEqual({ status: 'RUNNING', progress: 0 });
    r.sim.step();
    expect(await poll(started)).toEqual({ status: 'SUCCESS', progress: 100 });
    expect(r.sim.hostsFor('edr').find((h) => h.hostId === WEB1)?.pluginStatus).toBe('stopped');
  });

  it('stop task: an offline host is ERROR', async () => {
    r = await rig();
    const started = await r.client.stopPlugin(
      validateStartInput({ pluginCode: 'edr', hostIds: [OFFLINE_HOST] }),
    );
    expect(await poll(started)).toMatchObject({ status: 'ERROR', error: { code: 'OFFLINE' } });
  });

  it('projectId and enterpriseProjectId of the input override the config for that call', async () => {
    r = await rig();
    await r.client.startPlugin(
      validateStartInput({ pluginCode: 'ndr', hostIds: [WEB2], enterpriseProjectId: '0' }),
    );
    expect(r.sim.server.requests[0]?.query.get('enterprise_project_id')).toBe('0');
    const other = await r.client
      .startPlugin(
        validateStartInput({
          pluginCode: 'ndr',
          hostIds: [WEB2],
          projectId: 'someone-elses-project',
        }),
      )
      .catch((e: unknown) => e);
    expect(r.sim.server.requests[1]?.path).toBe(
      '/v5/someone-elses-project/plugins/attachments/start',
    );
    expect(other).toBeInstanceOf(BackendRejectedError);
    expect(other).toMatchObject({ vendorCode: 'HSS.0010', httpStatus: 403, backend: 'hss' });
  });

  it('serves every documented agent_status and maps it to a host status', async () => {
    r = await rig();
    const expected = {
      not_installed: 'UNKNOWN',
      online: 'ONLINE',
      offline: 'OFFLINE',
      install_failed: 'UNKNOWN',
      installing: 'UNKNOWN',
    };
    for (const status of AGENT_STATUSES) {
      r.sim.setAgentStatus(WEB1, status);
      const host = (await r.client.listHosts()).find((h) => h.nativeId === WEB1);
      expect(host?.status).toBe(expected[status]);
    }
  });
});

describe('validation happens before any HSS call', () => {
  const cases = [
    [{ pluginCode: '', hostIds: [WEB1] }, ['input', 'pluginCode']],
    [{ pluginCode: 'x'.repeat(65), hostIds: [WEB1] }, ['input', 'pluginCode']],
    [{ pluginCode: 'ndr' }, ['input', 'hostIds']],
    [{ pluginCode: 'ndr', hostIds: [] }, ['input', 'hostIds']],
    [{ pluginCode: 'ndr', hostIds: [''] }, ['input', 'hostIds', '0']],
    [{ pluginCode: 'ndr', hostIds: [WEB1], projectId: '' }, ['input', 'projectId']],
    [{ pluginCode: 'ndr', hostIds: [WEB1], projectId: 'p'.repeat(257) }, ['input', 'projectId']],
    [
      { pluginCode: 'ndr', operateAll: true, enterpriseProjectId: 'e'.repeat(257) },
      ['input', 'enterpriseProjectId'],
    ],
  ] as const;

  it.each(cases)('refuses %j naming %j', async (input, path) => {
    r = await rig();
    expect(() => validateStartInput(input)).toThrow(ValidationError);
    // Checked once (by the mutation's plan): the client takes only what validateStartInput passed.
    // @ts-expect-error unvalidated input is not a ValidHssOperation
    const unchecked: ValidHssOperation = input;
    const err = await Promise.resolve()
      .then(() => r?.client.startPlugin(validateStartInput(unchecked)))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).fields.map((f) => f.path)).toContainEqual(path);
    expect(r.sim.server.count()).toBe(0);
  });

  it('accepts the limits themselves, and operateAll without hostIds', () => {
    expect(() =>
      validateStartInput({
        pluginCode: 'x'.repeat(64),
        hostIds: [WEB1],
        projectId: 'p'.repeat(256),
      }),
    ).not.toThrow();
    expect(() => validateStartInput({ pluginCode: 'ndr', operateAll: true })).not.toThrow();
  });
});
