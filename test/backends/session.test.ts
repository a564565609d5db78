import { describe, expect, it } from 'vitest';
import { SharedSession } from '../../src/backends/session.ts';

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
