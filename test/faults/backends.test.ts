import { describe, expect, it } from 'vitest';
import type { Fault } from '../../src/backends/simulator/server.ts';
import type { BackendName } from '../../src/domain/backend.ts';
import { type FullRuntime, startFullRuntime } from '../helpers/full-runtime.ts';
import { waitFor } from '../helpers/wait-for.ts';

/**
 * SPEC §8 / issue 7: for every backend × {hang, 5xx, malformed body, dropped connection, expired
 * session}: the failing field gets its coded error within the deadline, the other backends still
 * answer in the same response, the process stays up, and once the fault is lifted the next
 * request succeeds (or, when the breaker opened, its half-open probe does).
 */

const BACKENDS: readonly BackendName[] = ['sdm', 'zstack', 'hss', 'appliance', 'korap'];
const TIMEOUT_MS = 500;

/** One aliased field per backend: plugins for the four catalogs, updates for the appliance. */
function field(backend: BackendName): string {
  if (backend === 'appliance') return 'appliance: updates { version }';
  return `${backend}: plugins(backend: ${backend.toUpperCase()}, first: 3) { edges { node { id name } } }`;
}
const QUERY = `{ ${BACKENDS.map(field).join('\n')} }`;

type FaultKind = 'hang' | '5xx' | 'malformed' | 'drop';
const FAULTS: Record<FaultKind, { fault: Fault; codes: readonly string[] }> = {
  hang: { fault: { kind: 'hang' }, codes: ['BACKEND_TIMEOUT'] },
  '5xx': { fault: { kind: 'status', status: 503 }, codes: ['BACKEND_UNAVAILABLE'] },
  malformed: { fault: { kind: 'malformed' }, codes: ['BACKEND_BAD_RESPONSE'] },
  drop: { fault: { kind: 'drop' }, codes: ['BACKEND_UNAVAILABLE'] },
};

interface Result {
  data?: Record<string, unknown> | null;
  errors?: { path?: (string | number)[]; extensions?: { code?: string; backend?: string } }[];
}

async function start(): Promise<FullRuntime> {
  return startFullRuntime({
    backendTimeoutMs: TIMEOUT_MS,
    // High enough that the first request reports the fault itself (a catalog makes several
    // calls, each retried); the breaker's own behaviour is test/faults/breaker.test.ts.
    breaker: { failureThreshold: 10, coolDownMs: 100 },
  });
}

/** VendorHttp's attempts for a read, the first included. */
const MAX_ATTEMPTS = 3;

interface CallLine {
  msg?: string;
  backend?: string;
  operation?: string;
  attempt?: number;
  errorCode?: string;
}

/** The backend's HTTP attempts, as the runtime logged them (one `backend call` line each). */
function callsOf(lines: readonly string[], backend: BackendName): CallLine[] {
  return lines
    .map((line) => JSON.parse(line) as CallLine)
    .filter((line) => line.msg === 'backend call' && line.backend === backend);
}

function errorsOf(result: Result, backend: BackendName) {
  return (result.errors ?? []).filter((e) => e.path?.[0] === backend);
}

/** The other backends answered: data present, no error on their fields. */
function expectOthersAnswered(result: Result, failing: BackendName): void {
  for (const other of BACKENDS.filter((b) => b !== failing)) {
    expect(errorsOf(result, other), `${other} while ${failing} fails`).toEqual([]);
    expect(result.data?.[other], other).toBeTruthy();
  }
}

/** Lifted: the next request succeeds, or (breaker open) the probe after the cool-down does. */
async function expectRecovered(t: FullRuntime, backend: BackendName): Promise<void> {
  const ok = await waitFor(async () => {
    const result = (await t.gql(QUERY)) as Result;
    return errorsOf(result, backend).length === 0 ? result : undefined;
  }, 'an answer without errors');
  expect(ok.data?.[backend]).toBeTruthy();
  expectOthersAnswered(ok, backend);
  expect((await t.runtime.app.fetch('http://localhost/healthz')).status).toBe(200);
}

describe.each(BACKENDS)('%s', (backend) => {
  it.each(Object.keys(FAULTS) as FaultKind[])('%s', async (kind) => {
    const t = await start();
    try {
      const { fault, codes } = FAULTS[kind];
      const sim = t.sims[backend].server;
      sim.inject(fault);
      t.clearLogs();
      const mark = t.logs.length;
      const result = (await t.gql(QUERY)) as Result;
      const errors = errorsOf(result, backend);
      const seen = errors.map((e) => e.extensions?.code);
      // The fault's own code; calls after the breaker opened (mid-request) fail fast instead.
      expect(
        seen.some((c) => codes.includes(c ?? '')),
        JSON.stringify(result.errors),
      ).toBe(true);
      for (const code of seen) expect([...codes, 'BACKEND_CIRCUIT_OPEN']).toContain(code);
      for (const e of errors) expect(e.extensions?.backend).toBe(backend);
      expectOthersAnswered(result, backend);
      // Within the deadline, retries included, counted rather than timed: no call of the failing
      // backend went past the attempt budget, and a hang cost one deadline, never two: every
      // request it held was a first attempt, all of them in flight together (the deadline ended
      // them at once; nothing was sent after it ended one).
      const attempts = callsOf(t.logs.slice(mark), backend);
      expect(attempts.length).toBeGreaterThan(0);
      for (const a of attempts) expect(a.attempt).toBeLessThanOrEqual(MAX_ATTEMPTS);
      if (kind === 'hang') {
        expect(attempts.map((a) => [a.attempt, a.errorCode])).toEqual(
          attempts.map(() => [1, 'BACKEND_TIMEOUT']),
        );
        expect(sim.count()).toBeGreaterThan(0);
        expect(sim.peakInFlight()).toBe(sim.count());
      }

      t.sims[backend].server.clearFaults();
      await expectRecovered(t, backend);
    } finally {
      await t.close();
    }
  });

  it('expired session', async () => {
    const t = await start();
    try {
      // Sessions opened by a readiness check of every backend (no list is cached by it).
      const before = (await t.gql('{ backends { backend reachable errorCode } }')) as {
        data: { backends: { reachable: boolean }[] };
      };
      expect(before.data.backends.every((b) => b.reachable)).toBe(true);
      const expire = expireSession(t, backend);
      const result = (await t.gql(QUERY)) as Result;
      expectOthersAnswered(result, backend);
      if (expire.renewable) {
        // A session the client can renew: it logs in again and the same request succeeds.
        expect(errorsOf(result, backend)).toEqual([]);
        expect(result.data?.[backend]).toBeTruthy();
        expect(expire.logins()).toBeGreaterThan(expire.loginsBefore);
      } else {
        // A credential only an operator can renew (a bearer token): coded, and nothing else fails.
        expect(errorsOf(result, backend)[0]?.extensions?.code).toBe('BACKEND_AUTH_FAILED');
        expire.lift();
        await expectRecovered(t, backend);
      }
    } finally {
      await t.close();
    }
  });
});

interface Expiry {
  readonly renewable: boolean;
  readonly loginsBefore: number;
  logins(): number;
  lift(): void;
}

function expireSession(t: FullRuntime, backend: BackendName): Expiry {
  const { sims } = t;
  const counting = (count: () => number, expire: () => void): Expiry => {
    const loginsBefore = count();
    expire();
    return { renewable: true, loginsBefore, logins: count, lift: () => undefined };
  };
  switch (backend) {
    case 'sdm':
      return counting(
        () => sims.sdm.server.count({ path: /\/admin\/login$/ }),
        () => sims.sdm.expireSessions(),
      );
    case 'zstack':
      return counting(
        () => sims.zstack.server.count({ method: 'PUT', path: /\/v1\/accounts\/login$/ }),
        () => sims.zstack.expireSessions(),
      );
    case 'appliance':
      return counting(
        () => sims.appliance.server.count({ method: 'POST', path: '/session' }),
        () => sims.appliance.expireSessions(),
      );
    case 'hss': {
      // AK/SK signing has no session to expire; the IAM-token mode's 24 h token is covered by
      // test/faults/hss-token.test.ts. Here: every signed call is refused as if the key expired.
      sims.hss.server.inject({
        kind: 'status',
        status: 401,
        contentType: 'application/json',
        body: JSON.stringify({
          error_code: 'APIGW.0301',
          error_msg: 'Incorrect IAM authentication information',
        }),
      });
      return {
        renewable: false,
        loginsBefore: 0,
        logins: () => 0,
        lift: () => sims.hss.server.clearFaults(),
      };
    }
    case 'korap': {
      const token = t.config.backends.korap!.accessToken;
      sims.korap.expireToken(token);
      return {
        renewable: false,
        loginsBefore: 0,
        logins: () => 0,
        // The operator's fresh token: the simulator accepts the configured one again.
        lift: () => sims.korap.addUser({ username: 'demo', token, scopes: ['all'] }),
      };
    }
  }
}
