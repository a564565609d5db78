import { afterEach, describe, expect, it } from 'vitest';
import { BackendError } from '../../../src/backends/errors.ts';
import type { SimRequest } from '../../../src/backends/simulator/server.ts';
import { ZstackClient } from '../../../src/backends/zstack/client.ts';
import { BackendRejectedError } from '../../../src/domain/errors.ts';
import { clientEvents } from '../../helpers/client-events.ts';
import { lastSession, PROMETHEUS, pollToEnd, type Rig, rig } from './helpers.ts';

let r: Rig;
afterEach(() => r.close());

const SESSION_EXPIRED = JSON.stringify({
  error: { code: 'ID.1001', description: 'invalid session', details: 'x' },
});
const onPlugins = (req: SimRequest) => req.path === '/zstack/v1/external/plugins';

/** The rejection of `promise`, failing the test if it resolves. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected a rejection'),
    (err: unknown) => err,
  );
}

function expectBackendError(err: unknown, code: string, vendorCode?: string): BackendError {
  expect(err).toBeInstanceOf(BackendError);
  const e = err as BackendError;
  expect(e.code).toBe(code);
  expect(e.backend).toBe('zstack');
  if (vendorCode !== undefined) expect(e.vendorCode).toBe(vendorCode);
  return e;
}

describe('zstack sessions', () => {
  it('on ID.1001 logs in again once and repeats the request once', async () => {
    r = await rig();
    await r.client.listPlugins();
    const first = r.sim.server.requests.at(-1)?.headers.authorization;
    r.sim.expireSessions();
    expect(await r.client.listPlugins()).toHaveLength(4);
    expect(r.sim.server.count({ path: '/zstack/v1/accounts/login' })).toBe(2);
    expect(r.sim.server.count({ method: 'GET', path: '/zstack/v1/external/plugins' })).toBe(3);
    expect(r.sim.server.requests.at(-1)?.headers.authorization).not.toBe(first);
  });

  it('concurrent callers on an expired session share one re-login', async () => {
    r = await rig();
    await r.client.ping();
    r.sim.expireSessions();
    await Promise.all([r.client.listPlugins(), r.client.listPlugins(), r.client.ping()]);
    expect(r.sim.server.count({ path: '/zstack/v1/accounts/login' })).toBe(2);
  });

  it('repeats a write once after ID.1001: the vendor refused it unseen', async () => {
    r = await rig();
    await r.client.ping();
    r.sim.expireSessions();
    const started = await r.client.deletePluginDriver(PROMETHEUS, 'Permissive');
    expect(
      r.sim.server.count({ method: 'DELETE', path: `/zstack/v1/external/plugins/${PROMETHEUS}` }),
    ).toBe(2);
    expect((await pollToEnd(r.client, started)).at(-1)).toEqual({ status: 'SUCCESS' });
  });

  it('ID.1001 twice in a row is BACKEND_AUTH_FAILED, after exactly one re-login', async () => {
    r = await rig();
    await r.client.ping();
    r.sim.server.clearLog();
    r.sim.server.inject(
      { kind: 'status', status: 503, body: SESSION_EXPIRED, contentType: 'application/json' },
      { match: onPlugins },
    );
    const err = await rejection(r.client.listPlugins());
    expectBackendError(err, 'BACKEND_AUTH_FAILED', 'ID.1001');
    expect(r.sim.server.count({ path: '/zstack/v1/accounts/login' })).toBe(1);
    expect(r.sim.server.count({ path: '/zstack/v1/external/plugins' })).toBe(2);
  });

  it('a wrong password is BACKEND_AUTH_FAILED with ID.1000, and never appears in the error', async () => {
    r = await rig();
    const secret = 'hunter2-not-the-password';
    const client = new ZstackClient({ ...r.sim.config(), password: secret }, { timeoutMs: 2_000 });
    try {
      const err = await rejection(client.listPlugins());
      const e = expectBackendError(err, 'BACKEND_AUTH_FAILED', 'ID.1000');
      expect(e.message).not.toContain(secret);
      expect(JSON.stringify({ ...e, message: e.message })).not.toContain(secret);
    } finally {
      await client.close();
    }
  });

  it('never puts the session id into an error message', async () => {
    r = await rig();
    await r.client.ping();
    const session = lastSession(r.sim);
    r.sim.server.inject({
      kind: 'status',
      status: 400,
      body: `bad session ${session}`,
      contentType: 'text/plain',
    });
    const err = (await rejection(r.client.listPlugins())) as Error;
    expect(err.message).not.toContain(session);
  });
});

describe('zstack errors from the REST layer and the vendor', () => {
  it('a plain-text 400 from the REST layer is BackendRejectedError with the status', async () => {
    r = await rig();
    await r.client.ping();
    r.sim.server.inject(
      {
        kind: 'status',
        status: 400,
        body: 'the header[Authorization] is required',
        contentType: 'text/plain',
      },
      { times: 1 },
    );
    const err = await rejection(r.client.listPlugins());
    expect(err).toBeInstanceOf(BackendRejectedError);
    expect(err).toMatchObject({ backend: 'zstack', httpStatus: 400, vendorCode: undefined });
    // Our message, not the REST layer's text (SPEC §5: no vendor body reaches a caller).
    expect((err as Error).message).toMatch(/HTTP 400/);
    expect((err as Error).message).not.toContain('the header[Authorization] is required');
  });

  it('a plain-text 404 (no api mapping) is BackendRejectedError 404', async () => {
    r = await rig({ prefix: '/other' });
    const client = new ZstackClient(
      { ...r.sim.config(), url: `${r.sim.server.origin}/zstack` },
      { timeoutMs: 2_000 },
    );
    try {
      const err = await rejection(client.listPlugins());
      expect(err).toBeInstanceOf(BackendRejectedError);
      expect(err).toMatchObject({ httpStatus: 404 });
    } finally {
      await client.close();
    }
  });

  it('the simulator itself answers a missing Authorization header with plain-text 400', async () => {
    r = await rig();
    const res = await fetch(`${r.sim.url}/v1/external/plugins`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  });

  it('a ZStack error object keeps its code in vendorCode (SYS.1012 → BACKEND_UNAVAILABLE)', async () => {
    r = await rig();
    await r.client.ping();
    const body = JSON.stringify({
      error: { code: 'SYS.1012', description: 'management node unavailable' },
    });
    r.sim.server.inject(
      { kind: 'status', status: 503, body, contentType: 'application/json' },
      { match: onPlugins },
    );
    expectBackendError(await rejection(r.client.listPlugins()), 'BACKEND_UNAVAILABLE', 'SYS.1012');
    // 503 carries the vendor's verdict: not retried.
    expect(r.sim.server.count({ path: '/zstack/v1/external/plugins' })).toBe(2);
  });

  it('SYS.1007 on a mutation is BackendRejectedError with vendorCode', async () => {
    r = await rig();
    await r.client.ping();
    const body = JSON.stringify({ error: { code: 'SYS.1007', description: 'invalid argument' } });
    r.sim.server.inject(
      { kind: 'status', status: 503, body, contentType: 'application/json' },
      { times: 1 },
    );
    const err = await rejection(r.client.refreshPluginDrivers('x'));
    expect(err).toBeInstanceOf(BackendRejectedError);
    expect(err).toMatchObject({ vendorCode: 'SYS.1007' });
  });

  it('a 502 on a read is retried; a 503 without body is BACKEND_UNAVAILABLE', async () => {
    r = await rig();
    await r.client.ping();
    r.sim.server.inject({ kind: 'status', status: 502 }, { times: 1, match: onPlugins });
    expect(await r.client.listPlugins()).toHaveLength(4);
    r.sim.server.inject({ kind: 'status', status: 503 }, { times: 1, match: onPlugins });
    expectBackendError(await rejection(r.client.listPlugins()), 'BACKEND_UNAVAILABLE');
  });

  it('a write is never retried', async () => {
    r = await rig();
    await r.client.ping();
    r.sim.server.inject({ kind: 'status', status: 502 }, { times: 1 });
    expectBackendError(
      await rejection(r.client.deletePluginDriver(PROMETHEUS, 'Permissive')),
      'BACKEND_UNAVAILABLE',
    );
    expect(r.sim.server.count({ method: 'DELETE' })).toBe(1);
  });
});

describe('zstack malformed bodies and timeouts', () => {
  it('a malformed plugin list is BACKEND_BAD_RESPONSE', async () => {
    r = await rig();
    await r.client.ping();
    r.sim.server.inject({ kind: 'malformed' }, { match: onPlugins });
    expectBackendError(await rejection(r.client.listPlugins()), 'BACKEND_BAD_RESPONSE');
  });

  it('a list of the wrong shape is BACKEND_BAD_RESPONSE', async () => {
    r = await rig();
    await r.client.ping();
    const body = JSON.stringify({ inventories: [{ name: 'no uuid' }] });
    r.sim.server.inject({ kind: 'status', status: 200, body, contentType: 'application/json' });
    expectBackendError(await rejection(r.client.listPlugins()), 'BACKEND_BAD_RESPONSE');
  });

  it('a malformed login reply is BACKEND_BAD_RESPONSE', async () => {
    r = await rig();
    r.sim.server.inject({ kind: 'malformed' }, { times: 1 });
    expectBackendError(await rejection(r.client.ping()), 'BACKEND_BAD_RESPONSE');
  });

  it('a 202 without a usable location is BACKEND_BAD_RESPONSE', async () => {
    r = await rig();
    await r.client.ping();
    const body = JSON.stringify({ location: 'http://mn:8080/somewhere/else' });
    r.sim.server.inject({ kind: 'status', status: 202, body, contentType: 'application/json' });
    expectBackendError(await rejection(r.client.refreshPluginDrivers()), 'BACKEND_BAD_RESPONSE');
  });

  it('a malformed job poll throws (could not tell), the next poll sees the outcome', async () => {
    r = await rig();
    const started = await r.client.refreshPluginDrivers();
    r.sim.server.inject(
      { kind: 'status', status: 200, body: '{"no', contentType: 'application/json' },
      { times: 1 },
    );
    const poll = r.client.pollers()['zstack.job']!;
    expectBackendError(await rejection(poll(started.poll!.params)), 'BACKEND_BAD_RESPONSE');
    expect(await poll(started.poll!.params)).toEqual({ status: 'SUCCESS' });
  });

  it('a hanging management node is BACKEND_TIMEOUT at the deadline: one request, no retry, no wait', async () => {
    const events = clientEvents();
    r = await rig({}, 300, events.options);
    await r.client.ping();
    r.sim.server.clearLog();
    events.calls.length = 0;
    // Every request from here hangs: only the client's own deadline can end the read.
    r.sim.server.inject({ kind: 'hang' });
    expectBackendError(await rejection(r.client.listPlugins()), 'BACKEND_TIMEOUT');
    // The deadline covers the whole operation: the hung request is the only one sent, the only
    // attempt made, and no wait was asked for (a retry with a fresh deadline would show here).
    expect(r.sim.server.count()).toBe(1);
    expect(events.calls.map((c) => [c.attempt, c.errorCode])).toEqual([[1, 'BACKEND_TIMEOUT']]);
    expect(events.waits).toEqual([]);
  });

  it('a hanging login is BACKEND_TIMEOUT', async () => {
    r = await rig({}, 300);
    r.sim.server.inject({ kind: 'hang' }, { times: 1 });
    expectBackendError(await rejection(r.client.listPlugins()), 'BACKEND_TIMEOUT');
  });

  it('a dropped connection on a mutation is BACKEND_UNAVAILABLE and not repeated', async () => {
    r = await rig();
    await r.client.ping();
    r.sim.server.inject({ kind: 'drop' }, { times: 1 });
    expectBackendError(await rejection(r.client.refreshPluginDrivers()), 'BACKEND_UNAVAILABLE');
    expect(r.sim.server.count({ method: 'PUT', path: '/zstack/v1/external/plugins' })).toBe(1);
  });
});
