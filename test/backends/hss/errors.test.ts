import { afterEach, describe, expect, it } from 'vitest';
import { BackendError } from '../../../src/backends/errors.ts';
import { validateStartInput } from '../../../src/backends/hss/validation.ts';
import { BackendRejectedError } from '../../../src/domain/errors.ts';
import { pollOne } from '../../../src/tasks/poll-round.ts';
import { clientEvents } from '../../helpers/client-events.ts';
import { type Rig, rawSigned, rig } from './helpers.ts';

let r: Rig | undefined;
afterEach(async () => {
  await r?.close();
  r = undefined;
});

const WEB1 = '71a15ecc-049f-4cca-bd28-5e90aca1817f';
const OFFLINE_HOST = '9f1d3b7c-2e4a-4d6b-b8c0-6a5e4f3d2c1b';

const body = (code: string, msg: string) => JSON.stringify({ error_code: code, error_msg: msg });

describe('HSS error bodies', () => {
  const documented = [
    ['HSS.0001', 'Invalid parameter'],
    ['HSS.0010', 'Access denied'],
    ['HSS.0011', 'Resource not found'],
    ['HSS.0013', 'Insufficient permission'],
    ['HSS.1001', 'The host has no agent'],
    ['HSS.1007', 'The agent is offline'],
  ] as const;

  it.each(documented)('%s -> BackendRejectedError with vendorCode', async (code, msg) => {
    r = await rig();
    r.sim.server.inject(
      { kind: 'status', status: 400, body: body(code, msg), contentType: 'application/json' },
      { times: 1 },
    );
    const err = await r.client
      .startPlugin(validateStartInput({ pluginCode: 'ndr', hostIds: [WEB1] }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendRejectedError);
    expect(err).toMatchObject({
      backend: 'hss',
      vendorCode: code,
      httpStatus: 400,
      message: `HSS refused StartPlugin (code ${code}).`,
      code: 'BACKEND_REJECTED',
    });
    // The vendor's wording stays with the vendor (SPEC §5): it may quote what it was sent.
    expect((err as Error).message).not.toContain(msg);
  });

  it('the simulator answers HSS.0011 for an unknown plugin or server', async () => {
    r = await rig();
    await expect(
      r.client.startPlugin(validateStartInput({ pluginCode: 'nope', hostIds: [WEB1] })),
    ).rejects.toMatchObject({ vendorCode: 'HSS.0011' });
    await expect(
      r.client.startPlugin(validateStartInput({ pluginCode: 'ndr', hostIds: ['no-such-host'] })),
    ).rejects.toMatchObject({
      vendorCode: 'HSS.0011',
    });
    await expect(
      r.client.startPlugin(validateStartInput({ pluginCode: 'nope', operateAll: true })),
    ).rejects.toMatchObject({ vendorCode: 'HSS.0011' });
  });

  it('the simulator answers HSS.1001 for a server without an agent', async () => {
    r = await rig();
    r.sim.setAgentStatus(WEB1, 'not_installed');
    await expect(
      r.client.startPlugin(validateStartInput({ pluginCode: 'ndr', hostIds: [WEB1] })),
    ).rejects.toMatchObject({ vendorCode: 'HSS.1001' });
  });

  it('the simulator can answer HSS.1007 for an offline agent', async () => {
    r = await rig({ offlineHosts: 'reject' });
    await expect(
      r.client.stopPlugin(validateStartInput({ pluginCode: 'ndr', hostIds: [OFFLINE_HOST] })),
    ).rejects.toMatchObject({
      vendorCode: 'HSS.1007',
    });
  });

  it('the simulator answers HSS.0001 for invalid parameters', async () => {
    r = await rig();
    const path = `/v5/${r.sim.projectId}/plugins/attachments`;
    expect(await rawSigned(r.sim, { path, query: { plugin_code: 'ndr', limit: '500' } })).toEqual({
      status: 400,
      body: { error_code: 'HSS.0001', error_msg: expect.stringContaining('limit') },
    });
    expect((await rawSigned(r.sim, { path, query: { limit: '10' } })).body).toMatchObject({
      error_code: 'HSS.0001',
    });
    const start = `${path}/start`;
    const bad = await rawSigned(r.sim, {
      method: 'POST',
      path: start,
      body: JSON.stringify({ plugin_code: 'ndr', operate_all: false }),
    });
    expect(bad).toMatchObject({ status: 400, body: { error_code: 'HSS.0001' } });
  });

  it('a wrong project in the config makes ping BACKEND_AUTH_FAILED (HSS.0010)', async () => {
    r = await rig({}, { config: { projectId: 'not-my-project' } });
    await expect(r.client.ping()).rejects.toMatchObject({
      code: 'BACKEND_AUTH_FAILED',
      vendorCode: 'HSS.0010',
    });
  });

  it('an APIGW 403 is BACKEND_AUTH_FAILED', async () => {
    r = await rig();
    r.sim.server.inject({
      kind: 'status',
      status: 403,
      body: body('APIGW.0302', 'The IAM user is not authorized'),
    });
    await expect(r.client.listPlugins()).rejects.toMatchObject({
      code: 'BACKEND_AUTH_FAILED',
      vendorCode: 'APIGW.0302',
    });
  });

  it('a 4xx without an HSS body is BACKEND_BAD_RESPONSE', async () => {
    r = await rig();
    r.sim.server.inject({ kind: 'status', status: 404, body: '<html>not found</html>' });
    await expect(r.client.listPlugins()).rejects.toMatchObject({
      code: 'BACKEND_BAD_RESPONSE',
      httpStatus: 404,
    });
  });
});

describe('AK/SK rejection by the gateway', () => {
  it('a wrong secret key is BACKEND_AUTH_FAILED APIGW.0303, and the secret stays out of the message', async () => {
    const secretKey = 'definitely-not-the-secret-key';
    r = await rig(
      { accessKey: 'AKSIM' },
      { config: { auth: { mode: 'aksk', accessKey: 'AKSIM', secretKey } } },
    );
    const err = await r.client.listPlugins().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect(err).toMatchObject({
      code: 'BACKEND_AUTH_FAILED',
      vendorCode: 'APIGW.0303',
      httpStatus: 401,
    });
    expect((err as Error).message).not.toContain(secretKey);
    await expect(r.client.ping()).rejects.toMatchObject({
      code: 'BACKEND_AUTH_FAILED',
      vendorCode: 'APIGW.0303',
    });
  });

  it('accepts a correct hand-signed request', async () => {
    r = await rig();
    expect((await rawSigned(r.sim, { path: `/v5/${r.sim.projectId}/plugins` })).status).toBe(200);
  });

  it('refuses a tampered signature', async () => {
    r = await rig();
    const res = await rawSigned(r.sim, {
      path: `/v5/${r.sim.projectId}/plugins`,
      tamper: (h) => ({
        ...h,
        // Flip the first hex digit to a different one (a fixed '0' would sometimes be no change).
        Authorization: (h.Authorization ?? '').replace(
          /Signature=(\w)/,
          (_m, c: string) => `Signature=${c === '0' ? '1' : '0'}`,
        ),
      }),
    });
    expect(res).toMatchObject({ status: 401, body: { error_code: 'APIGW.0303' } });
  });

  it('refuses a body or query changed after signing', async () => {
    r = await rig();
    const signedBody = JSON.stringify({ plugin_code: 'ndr', host_id_list: [WEB1] });
    const path = `/v5/${r.sim.projectId}/plugins/attachments/start`;
    const ok = await rawSigned(r.sim, { method: 'POST', path, body: signedBody });
    expect(ok.status).toBe(200);
    const changed = await rawSigned(r.sim, {
      method: 'POST',
      path,
      body: signedBody,
      sentBody: JSON.stringify({ plugin_code: 'edr', host_id_list: [WEB1] }),
    });
    expect(changed).toMatchObject({ status: 401, body: { error_code: 'APIGW.0303' } });
    expect(r.sim.hostsFor('edr').find((h) => h.hostId === WEB1)?.pluginStatus).toBe('running');
  });

  it('refuses when a required header is missing from SignedHeaders', async () => {
    r = await rig();
    const res = await rawSigned(r.sim, {
      path: `/v5/${r.sim.projectId}/plugins`,
      tamper: (h) => ({
        ...h,
        Authorization: (h.Authorization ?? '').replace(
          'SignedHeaders=host;x-sdk-date',
          'SignedHeaders=host',
        ),
      }),
    });
    expect(res).toMatchObject({ status: 401, body: { error_code: 'APIGW.0303' } });
  });

  it('refuses a signed header that was not sent', async () => {
    r = await rig();
    const res = await rawSigned(r.sim, {
      method: 'POST',
      path: `/v5/${r.sim.projectId}/plugins/attachments/start`,
      body: JSON.stringify({ plugin_code: 'ndr', host_id_list: [WEB1] }),
      tamper: ({ 'content-type': _dropped, ...rest }) => rest,
    });
    expect(res).toMatchObject({ status: 401, body: { error_code: 'APIGW.0303' } });
  });

  it('refuses an X-Sdk-Date more than 15 minutes off', async () => {
    r = await rig();
    const path = `/v5/${r.sim.projectId}/plugins`;
    const skewed = await rawSigned(r.sim, { path, date: new Date(Date.now() - 16 * 60_000) });
    expect(skewed).toMatchObject({ status: 401, body: { error_code: 'APIGW.0303' } });
    const ahead = await rawSigned(r.sim, { path, date: new Date(Date.now() + 16 * 60_000) });
    expect(ahead.status).toBe(401);
    expect(
      (await rawSigned(r.sim, { path, date: new Date(Date.now() - 10 * 60_000) })).status,
    ).toBe(200);
  });

  it('refuses a request without credentials', async () => {
    r = await rig();
    const res = await fetch(`${r.sim.url}/v5/${r.sim.projectId}/plugins`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error_code: 'APIGW.0301' });
  });
});

describe('faults', () => {
  it('5xx on a read is retried, then BACKEND_UNAVAILABLE with the vendor code', async () => {
    r = await rig();
    r.sim.server.inject({ kind: 'status', status: 503, body: body('APIGW.0201', 'Request error') });
    const err = await r.client.listPlugins().catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
      vendorCode: 'APIGW.0201',
      httpStatus: 503,
    });
    expect(r.sim.server.count()).toBe(3);
  });

  it('a transient 502 on a read heals by retry', async () => {
    r = await rig();
    r.sim.server.inject({ kind: 'status', status: 502 }, { times: 1 });
    expect(await r.client.listPlugins()).toHaveLength(3);
  });

  it('5xx on start is not retried: one POST, BACKEND_UNAVAILABLE', async () => {
    r = await rig();
    r.sim.server.inject({ kind: 'status', status: 500, body: body('HSS.9999', 'Internal error') });
    await expect(
      r.client.startPlugin(validateStartInput({ pluginCode: 'ndr', hostIds: [WEB1] })),
    ).rejects.toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
      vendorCode: 'HSS.9999',
    });
    expect(r.sim.server.count({ method: 'POST' })).toBe(1);
  });

  it('a hanging HSS is BACKEND_TIMEOUT at the deadline: one request, no retry, no wait', async () => {
    const events = clientEvents();
    r = await rig({}, { timeoutMs: 300, ...events.options });
    // Every request hangs: only the client's own deadline can end the read.
    r.sim.server.inject({ kind: 'hang' });
    await expect(r.client.listInstallations()).rejects.toMatchObject({ code: 'BACKEND_TIMEOUT' });
    // The deadline covers the whole operation: the hung request is the only one sent, the only
    // attempt made, and no wait was asked for (a retry with a fresh deadline would show here).
    expect(r.sim.server.count()).toBe(1);
    expect(events.calls.map((c) => [c.attempt, c.errorCode])).toEqual([[1, 'BACKEND_TIMEOUT']]);
    expect(events.waits).toEqual([]);
  });

  it('a malformed body is BACKEND_BAD_RESPONSE', async () => {
    r = await rig();
    r.sim.server.inject({ kind: 'malformed' }, { match: (q) => q.path.endsWith('/attachments') });
    await expect(r.client.listInstallations()).rejects.toMatchObject({
      code: 'BACKEND_BAD_RESPONSE',
      backend: 'hss',
    });
  });

  it('a body of the wrong shape is BACKEND_BAD_RESPONSE', async () => {
    r = await rig();
    r.sim.server.inject({
      kind: 'status',
      status: 200,
      body: JSON.stringify({ data_list: [{ name: 'no code' }] }),
    });
    await expect(r.client.listPlugins()).rejects.toMatchObject({ code: 'BACKEND_BAD_RESPONSE' });
  });

  it('a dropped connection is BACKEND_UNAVAILABLE', async () => {
    r = await rig();
    r.sim.server.inject({ kind: 'drop' });
    await expect(r.client.ping()).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
  });

  it('a poll failure throws (the tracker retries it) instead of reporting a state', async () => {
    r = await rig();
    const started = await r.client.startPlugin(
      validateStartInput({ pluginCode: 'ndr', hostIds: [WEB1] }),
    );
    r.sim.server.inject({ kind: 'status', status: 503 });
    const poller = r.client.pollers()['hss.pluginState'];
    await expect(pollOne(poller!, started.poll?.params ?? {})).rejects.toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
    });
  });
});
