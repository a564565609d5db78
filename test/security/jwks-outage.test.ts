import { once } from 'node:events';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type Authenticate, createAuthenticate } from '../../src/auth/auth.ts';
import {
  JWKS_COOLDOWN_MS,
  JWKS_MAX_BACKOFF_MS,
  KEYS_FRESH_MS,
  KEYS_MAX_STALE_MS,
} from '../../src/auth/jwks-cache.ts';
import { jwtLogEvents } from '../../src/auth/jwt.ts';
import { startTestIdp, TEST_AUDIENCE, type TestIdp } from '../helpers/oidc.ts';
import { waitFor } from '../helpers/wait-for.ts';

/**
 * Issue 25 point 7: JWT sign-in through an IdP outage. A real loopback IdP that can answer 500,
 * hang or stream a huge body; the key cache's clock is injected and moved, never waited for.
 */

const MINUTE = 60_000;

let idp: TestIdp | undefined;
afterEach(async () => {
  await idp?.close();
  idp = undefined;
});

interface Harness {
  readonly idp: TestIdp;
  readonly authenticate: Authenticate;
  /** Moves the key cache's clock on. */
  advance(ms: number): void;
  /** Log lines at `level` (pino numbers: 20 debug, 30 info, 40 warn, 50 error). */
  lines(level: number): { msg: string; err?: string }[];
  /** A valid token's caller (undefined: refused). */
  signIn(token?: string): Promise<unknown>;
}

async function start(
  options: { jwksUrl?: boolean; fetchTimeoutMs?: number } = {},
): Promise<Harness> {
  const started = await startTestIdp();
  idp = started;
  let now = Date.UTC(2026, 11, 1);
  const logs: { level: number; msg: string; err?: string }[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line)) });
  const authenticate = createAuthenticate(
    {
      mode: 'tokens',
      tokens: new Map(),
      jwt: {
        issuer: started.issuer,
        audience: TEST_AUDIENCE,
        rolesClaim: 'roles',
        nameClaim: 'sub',
        ...(options.jwksUrl && { jwksUrl: started.jwksUrl }),
      },
    },
    {
      ...jwtLogEvents(logger),
      now: () => now,
      ...(options.fetchTimeoutMs !== undefined && { fetchTimeoutMs: options.fetchTimeoutMs }),
    },
  );
  return {
    idp: started,
    authenticate,
    advance: (ms) => {
      now += ms;
    },
    lines: (level) => logs.filter((line) => line.level === level),
    signIn: async (token) => authenticate(`Bearer ${token ?? (await started.sign())}`),
  };
}

const ALICE = { role: 'operator', name: 'alice', via: 'jwt' };

describe('stale-if-error: the last good keys outlive a failing IdP', () => {
  it('a valid JWT keeps working past the 10-minute refresh and for hours while the IdP answers 500', async () => {
    const h = await start();
    expect(await h.signIn()).toMatchObject(ALICE);
    const fetched = h.idp.fetches(); // discovery and JWKS
    h.idp.mode = 'error';

    h.advance(KEYS_FRESH_MS + MINUTE); // minute 11: jose had dropped the keys here
    expect(await h.signIn()).toMatchObject(ALICE);
    await waitFor(() => h.lines(40).length === 1, 'one warn line');
    expect(h.idp.fetches()).toBe(fetched + 1); // one background refresh, answered 500

    // Hours on (21 h past the last good fetch), every refresh failing, the keys still sign
    // users in; each request past the back-off starts one refresh in the background.
    const failures = () => h.lines(20).filter((l) => l.msg === 'JWT signing keys: fetch failed');
    for (let i = 1; i <= 7; i++) {
      h.advance(3 * 60 * MINUTE);
      expect(await h.signIn()).toMatchObject(ALICE);
      await waitFor(() => failures().length === 1 + i, `${1 + i} failed fetches logged`);
    }
    expect(h.idp.fetches()).toBe(fetched + 8);
    // One warning for the whole outage, naming the failure; each attempt only at debug.
    expect(h.lines(40)).toHaveLength(1);
    expect(h.lines(40)[0]?.err).toMatch(/JWKS at .*\/jwks answered 500/);
  });

  it('24 h after the last good fetch the keys are dropped: JWTs are refused, one error line', async () => {
    const h = await start({ jwksUrl: true });
    expect(await h.signIn()).toMatchObject(ALICE);
    h.idp.mode = 'error';
    h.advance(KEYS_MAX_STALE_MS - MINUTE);
    expect(await h.signIn()).toMatchObject(ALICE);
    await waitFor(() => h.lines(40).length === 1, 'one warn line');
    h.advance(2 * MINUTE);
    for (let i = 0; i < 3; i++) expect(await h.signIn()).toBeUndefined();
    expect(h.lines(50)).toHaveLength(1);
    expect(h.lines(50)[0]?.msg).toMatch(/JWT signing keys dropped/);
  });

  it('recovery is logged once, at info, and new keys are used from then on', async () => {
    const h = await start();
    expect(await h.signIn()).toMatchObject(ALICE);
    h.idp.mode = 'error';
    h.advance(KEYS_FRESH_MS);
    await h.signIn();
    await waitFor(() => h.lines(40).length === 1, 'one warn line');

    h.idp.mode = 'ok';
    await h.idp.addKey('key-2', true);
    h.advance(JWKS_MAX_BACKOFF_MS);
    expect(await h.signIn(await h.idp.sign({}, { kid: 'key-2' }))).toMatchObject(ALICE);
    for (let i = 0; i < 3; i++) {
      h.advance(KEYS_FRESH_MS);
      expect(await h.signIn()).toMatchObject(ALICE);
    }
    const recovered = h.lines(30).filter((l) => l.msg === 'JWT signing keys fetched again');
    expect(recovered).toHaveLength(1);
    expect(h.lines(40)).toHaveLength(1);
  });
});

describe('refetches are paused globally, whatever the tokens say', () => {
  it('50 forged tokens (unknown kid) while the IdP is down at start: one fetch, one warn line', async () => {
    const h = await start();
    h.idp.mode = 'error';
    await h.idp.addKey('forged', false);
    const forged = await h.idp.sign({}, { kid: 'forged' });
    // Concurrently, then one after the other.
    const answers = await Promise.all(Array.from({ length: 25 }, () => h.signIn(forged)));
    for (let i = 0; i < 25; i++) answers.push(await h.signIn(forged));
    expect(answers.every((answer) => answer === undefined)).toBe(true);
    expect(h.idp.fetches()).toBeLessThanOrEqual(2);
    expect(h.lines(40)).toHaveLength(1);
  });

  it('50 forged tokens while keys are known and the IdP is down: at most one fetch per pause', async () => {
    const h = await start();
    expect(await h.signIn()).toMatchObject(ALICE);
    const fetched = h.idp.fetches();
    h.idp.mode = 'error';
    await h.idp.addKey('forged', false);
    const forged = await h.idp.sign({}, { kid: 'forged' });
    h.advance(JWKS_COOLDOWN_MS);
    const answers = await Promise.all(Array.from({ length: 25 }, () => h.signIn(forged)));
    for (let i = 0; i < 25; i++) answers.push(await h.signIn(forged));
    expect(answers.every((answer) => answer === undefined)).toBe(true);
    expect(h.idp.fetches() - fetched).toBe(1);
    expect(h.lines(40)).toHaveLength(1);
    // Valid tokens are still answered from the keys on hand, with no fetch.
    expect(await h.signIn()).toMatchObject(ALICE);
    expect(h.idp.fetches() - fetched).toBe(1);
  });
});

describe('fetch deadline and size cap', () => {
  it('a hanging IdP does not hold requests once keys are known', async () => {
    // A deadline far beyond the test: only not waiting for the refresh lets requests through.
    const h = await start({ fetchTimeoutMs: 10 * MINUTE });
    expect(await h.signIn()).toMatchObject(ALICE);
    h.idp.mode = 'hang';
    h.advance(KEYS_FRESH_MS);
    const aborted: string[] = [];
    h.idp.events.on('aborted', (path: string) => aborted.push(path));
    expect(await h.signIn()).toMatchObject(ALICE);
    await waitFor(() => h.idp.held() === 1, 'the refresh at the IdP, unanswered');
    for (let i = 0; i < 5; i++) expect(await h.signIn()).toMatchObject(ALICE);
    expect(h.idp.held()).toBe(1);
    expect(aborted).toEqual([]);
  });

  it('a first fetch from a hanging IdP ends at the deadline (the IdP sees the request aborted)', async () => {
    const h = await start({ fetchTimeoutMs: 200 });
    h.idp.mode = 'hang';
    const aborted = once(h.idp.events, 'aborted');
    expect(await h.signIn()).toBeUndefined();
    expect(await aborted).toEqual(['/.well-known/openid-configuration']);
    expect(h.lines(40)).toHaveLength(1);
    expect(h.lines(40)[0]?.err).toMatch(/no answer in time/);
  });

  it('a JWKS over the cap is refused (its reading stopped), logged, and the keys are kept', async () => {
    const h = await start();
    expect(await h.signIn()).toMatchObject(ALICE);
    h.idp.mode = 'huge';
    h.advance(KEYS_FRESH_MS);
    const aborted = once(h.idp.events, 'aborted');
    expect(await h.signIn()).toMatchObject(ALICE);
    expect(await aborted).toEqual(['/jwks']);
    await waitFor(() => h.lines(40).length === 1, 'one warn line');
    expect(h.lines(40)[0]?.err).toMatch(/JWKS at .* larger than \d+ bytes/);
    expect(await h.signIn()).toMatchObject(ALICE);
  });

  it('a discovery document over the cap is refused the same way', async () => {
    const h = await start();
    h.idp.mode = 'huge';
    const aborted = once(h.idp.events, 'aborted');
    expect(await h.signIn()).toBeUndefined();
    expect(await aborted).toEqual(['/.well-known/openid-configuration']);
    expect(h.lines(40)[0]?.err).toMatch(/OIDC discovery at .* larger than \d+ bytes/);
  });
});
