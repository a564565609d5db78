import { afterEach, describe, expect, it } from 'vitest';
import { BackendError } from '../../src/backends/errors.ts';
import { VendorHttp } from '../../src/backends/http.ts';
import { SharedSession, sessionCall } from '../../src/backends/session.ts';
import { startSimulatorServer } from '../../src/backends/simulator/server.ts';
import { NotFoundError } from '../../src/domain/errors.ts';

describe('SharedSession', () => {
  it('one login for concurrent callers; renewal only by a caller who saw that session refused', async () => {
    let logins = 0;
    const session = new SharedSession(async () => `s${++logins}`);
    const [a, b] = await Promise.all([session.get(0), session.get(0)]);
    expect([a, b, logins]).toEqual(['s1', 's1', 1]);

    const seen = session.get(0);
    const renewed = await session.get(0, seen); // the vendor refused s1
    expect(renewed).toBe('s2');
    expect(await session.get(0, seen)).toBe('s2'); // a late 401 on s1 does not log in again
    expect(logins).toBe(2);
    expect(session.peekId()).toBe('s2');
  });

  it('a failed login is not kept; take() hands over the session for logout', async () => {
    let fail = true;
    const session = new SharedSession(async () => {
      if (fail) throw new Error('refused');
      return 'ok';
    });
    await expect(session.get(0)).rejects.toThrow('refused');
    fail = false;
    expect(await session.get(0)).toBe('ok');
    expect(await session.take()).toBe('ok');
    expect(await session.take()).toBeUndefined();
  });

  it('send() logs in again once when the answer says the session expired, and sends again', async () => {
    let logins = 0;
    const session = new SharedSession(async () => `s${++logins}`);
    const sent: string[] = [];
    const answer = await session.send(
      0,
      async (id) => {
        sent.push(id);
        return id === 's1' ? 401 : 200;
      },
      (s) => s === 401,
    );
    expect([answer, sent, logins]).toEqual([200, ['s1', 's2'], 2]);
    const again = await session.send(
      0,
      async () => 401,
      (s) => s === 401,
    );
    expect(again).toBe(401); // twice expired: the caller decides
    expect(logins).toBe(3);
  });
});

describe('sessionCall', () => {
  const open: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((o) => o.close()));
  });

  it('carries the session in its headers, logs in again once on 401, maps 404 and the rest', async () => {
    let current = 's1';
    const server = await startSimulatorServer((req) => {
      if (req.headers['x-session'] !== current) return { status: 401 };
      if (req.path === '/missing') return { status: 404 };
      if (req.path === '/broken') return { status: 500 };
      return { status: 200, body: `${req.method} ${req.headers['x-extra']}` };
    });
    const http = new VendorHttp({
      backend: 'appliance',
      baseUrl: server.origin,
      timeoutMs: 2_000,
    });
    open.push(server, http);
    let logins = 0;
    const session = new SharedSession(async () => (++logins === 1 ? 's0' : current));
    const call = sessionCall({
      http,
      session,
      headers: (id) => ({ 'x-session': id, 'x-extra': 'yes' }),
      failure: (res, operation) =>
        new BackendError('BACKEND_UNAVAILABLE', 'appliance', `${operation}: ${res.status}`, {
          httpStatus: res.status,
        }),
    });

    // The first session (s0) is refused: one new login, the call repeated with s1.
    const ok = await call({ method: 'POST', path: '/a', operation: 'write' }, [200], (r) => r.body);
    expect([ok, logins]).toEqual(['POST yes', 2]);
    await expect(
      call(
        { method: 'GET', path: '/missing', operation: 'get' },
        [200],
        () => 1,
        () => new NotFoundError('Task', 'missing'),
      ),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      call({ method: 'GET', path: '/broken', operation: 'get', idempotent: false }, [200], () => 1),
    ).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE', httpStatus: 500 });
    // The vendor forgot s1 (a restart): the next call logs in once more and goes through.
    current = 's2';
    logins = 10;
    await expect(
      call({ method: 'GET', path: '/a', operation: 'get' }, [200], () => 1),
    ).resolves.toBe(1);
    expect(logins).toBe(11);
  });
});
