import { randomUUID } from 'node:crypto';
import type { ZstackConfig } from '../../config/index.ts';
import { json, Router } from '../simulator/router.ts';
import {
  type SimRequest,
  type SimResponse,
  type SimulatorServer,
  startSimulatorServer,
} from '../simulator/server.ts';
import {
  cloneRows,
  ZSTACK_FIXTURES,
  type ZstackDriverRow,
  type ZstackFixtures,
} from './fixtures.ts';
import { DELETE_MODES, type DeleteMode, type ErrorObject, hashPassword } from './wire.ts';

/**
 * ZStack Cloud on loopback (vendor-apis.md §2): account login with a SHA-512 password, OAuth
 * session header, plugin-driver table, and asynchronous jobs polled at `/v1/api-jobs/{uuid}`.
 */

export interface ZstackSimulatorOptions {
  /** Minimum time a job runs before it can finish; default 0 (tests), demo uses seconds. */
  readonly stepMs?: number;
  /** Polls answered 202 (running) before a job gives its outcome; default 1; Infinity: never. */
  readonly pollsPerJob?: number;
  /** Account accepted at login; default `admin`. */
  readonly account?: string;
  /** Plain password; the client must send its SHA-512 hex. Default `password`. */
  readonly password?: string;
  readonly fixtures?: ZstackFixtures;
  /** Path prefix of the API; default `/zstack`. */
  readonly prefix?: string;
  /** Origin written into job locations (a node behind a proxy); default this server's. */
  readonly locationOrigin?: string;
  /** Status of session/auth errors (ID.1000, ID.1001): unpublished, 503 by default. */
  readonly authErrorStatus?: number;
  /** Session lifetime; default 2 hours. */
  readonly sessionTtlMs?: number;
}

export interface ZstackSimulator {
  /** What goes into ZSTACK_URL (origin + prefix). */
  readonly url: string;
  readonly server: SimulatorServer;
  config(): ZstackConfig;
  /** The next job created fails with this error instead of doing its work. */
  failNextJob(error: ErrorObject): void;
  /** Every session becomes invalid: the next authenticated call gets ID.1001. */
  expireSessions(): void;
  /** Every job is forgotten: polls get the plain-text 404. */
  expireJobs(): void;
  /** The plugin-driver table, copied. */
  drivers(): ZstackDriverRow[];
  /** Number of live sessions. */
  sessions(): number;
  close(): Promise<void>;
}

interface Job {
  readonly uuid: string;
  readonly createdAt: number;
  polls: number;
  /** Does the work; returns an error object if the job fails. */
  readonly run: () => ErrorObject | undefined;
  outcome?: { error?: ErrorObject | undefined };
}

interface Session {
  readonly uuid: string;
  readonly expiresAt: number;
}

const JOB_UUID = /^[0-9a-f]{32}$/;

/** ZStack uuids: 32 lower-case hex digits, no dashes. */
function zstackUuid(): string {
  return randomUUID().replaceAll('-', '');
}

/** Gson's default date format, which ZStack uses on the wire (`Apr 8, 2021 9:36:15 PM`). */
function gsonDate(date: Date): string {
  const day = date.toLocaleDateString('en-US', { month: 'short', day: 'numeric', year: 'numeric' });
  const time = date.toLocaleTimeString('en-US', {
    hour: 'numeric',
    minute: '2-digit',
    second: '2-digit',
  });
  return `${day} ${time}`.replace(/\u202f/g, ' ');
}

function text(status: number, body: string): SimResponse {
  return { status, headers: { 'content-type': 'text/plain;charset=UTF-8' }, body };
}

function vendorError(status: number, error: ErrorObject): SimResponse {
  return json(status, { error });
}

class ZstackState {
  readonly table: ZstackDriverRow[];
  readonly directory: ZstackDriverRow[];
  readonly sessions = new Map<string, Session>();
  readonly jobs = new Map<string, Job>();
  nextJobError: ErrorObject | undefined;

  constructor(fixtures: ZstackFixtures) {
    this.table = cloneRows(fixtures.drivers);
    this.directory = cloneRows(fixtures.directory);
  }

  deleteDriver(uuid: string, mode: DeleteMode): undefined {
    const at = this.table.findIndex((d) => d.uuid === uuid);
    // An unknown uuid succeeds: deleting is idempotent on the vendor side.
    if (at < 0) return undefined;
    if (mode === 'Enforcing') this.table.splice(at, 1);
    else Object.assign(this.table[at]!, { deleted: true, lastOpDate: gsonDate(new Date()) });
    return undefined;
  }

  /** Reloads drivers from the plugin directory: restores deleted ones, adds new ones. */
  refresh(name: string | undefined): undefined {
    const now = gsonDate(new Date());
    for (const entry of cloneRows(this.directory)) {
      if (name !== undefined && entry.name !== name) continue;
      const row = { ...entry, deleted: false, lastOpDate: now };
      const at = this.table.findIndex((d) => d.uuid === entry.uuid);
      if (at < 0) this.table.push(row);
      else this.table[at] = { ...row, createDate: this.table[at]!.createDate };
    }
    return undefined;
  }
}

export async function startZstackSimulator(
  options: ZstackSimulatorOptions = {},
): Promise<ZstackSimulator> {
  const prefix = (options.prefix ?? '/zstack').replace(/\/+$/, '');
  const account = options.account ?? 'admin';
  const password = options.password ?? 'password';
  const passwordHash = hashPassword(password);
  const pollsPerJob = options.pollsPerJob ?? 1;
  const stepMs = options.stepMs ?? 0;
  const authStatus = options.authErrorStatus ?? 503;
  const sessionTtlMs = options.sessionTtlMs ?? 2 * 60 * 60 * 1000;
  const state = new ZstackState(options.fixtures ?? ZSTACK_FIXTURES);
  let origin = '';

  /** The session of a request, or the answer ZStack gives when there is none. */
  const authenticate = (req: SimRequest): SimResponse | undefined => {
    const header = req.headers.authorization;
    const match = typeof header === 'string' ? /^OAuth ([0-9a-zA-Z-]+)$/.exec(header) : null;
    if (!match) {
      // The REST layer itself refuses: plain text, no error object.
      return text(400, 'the header[Authorization] is required, in format of "OAuth session-uuid"');
    }
    const session = state.sessions.get(match[1]!);
    if (session === undefined || session.expiresAt <= Date.now()) {
      if (session) state.sessions.delete(session.uuid);
      return vendorError(authStatus, {
        code: 'ID.1001',
        description: 'invalid session',
        details: 'the session is invalid or expired, please log in again',
      });
    }
    return undefined;
  };

  const createJob = (req: SimRequest, run: () => ErrorObject | undefined): SimResponse => {
    const wanted = req.headers['x-job-uuid'];
    const uuid = typeof wanted === 'string' && JOB_UUID.test(wanted) ? wanted : zstackUuid();
    const forced = state.nextJobError;
    state.nextJobError = undefined;
    state.jobs.set(uuid, {
      uuid,
      createdAt: Date.now(),
      polls: 0,
      run: forced ? () => forced : run,
    });
    const base = options.locationOrigin ?? origin;
    return json(202, { location: `${base}${prefix}/v1/api-jobs/${uuid}` });
  };

  const pollJob = (uuid: string): SimResponse => {
    const job = state.jobs.get(uuid);
    if (!job) return text(404, `no job[uuid:${uuid}] found`);
    if (!job.outcome) {
      job.polls++;
      if (job.polls <= pollsPerJob || Date.now() - job.createdAt < stepMs) {
        return json(202, {
          location: `${options.locationOrigin ?? origin}${prefix}/v1/api-jobs/${uuid}`,
        });
      }
      job.outcome = { error: job.run() };
    }
    return job.outcome.error ? vendorError(503, job.outcome.error) : json(200, {});
  };

  const login = (req: SimRequest): SimResponse => {
    let body: unknown;
    try {
      body = JSON.parse(req.body);
    } catch {
      return text(400, 'the body is not a valid JSON');
    }
    const params = (
      body as { logInByAccount?: { accountName?: unknown; password?: unknown } } | null
    )?.logInByAccount;
    if (typeof params !== 'object' || params === null) {
      return text(400, 'the body doesn\'t contain key "logInByAccount"');
    }
    if (params.accountName !== account || params.password !== passwordHash) {
      return vendorError(authStatus, {
        code: 'ID.1000',
        description: 'authentication error',
        details: 'wrong account name or password',
      });
    }
    const uuid = zstackUuid();
    const expiresAt = Date.now() + sessionTtlMs;
    state.sessions.set(uuid, { uuid, expiresAt });
    return json(200, {
      inventory: {
        uuid,
        accountUuid: '36c27e8ff05c4780bf6d2fa65700f22e',
        userUuid: '36c27e8ff05c4780bf6d2fa65700f22e',
        expiredDate: gsonDate(new Date(expiresAt)),
        createDate: gsonDate(new Date()),
      },
    });
  };

  const query = (req: SimRequest, uuid?: string): SimResponse => {
    let rows = state.table.filter((d) => uuid === undefined || d.uuid === uuid);
    for (const condition of req.query.getAll('q')) {
      const [field, value] = condition.split('=', 2);
      if (field === undefined || value === undefined) {
        return vendorError(503, {
          code: 'SYS.1007',
          description: 'invalid argument',
          details: `bad q: ${condition}`,
        });
      }
      rows = rows.filter((d) => String((d as unknown as Record<string, unknown>)[field]) === value);
    }
    const total = rows.length;
    const start = Number(req.query.get('start') ?? 0);
    const limit = Number(req.query.get('limit') ?? 1000);
    const page = cloneRows(rows.slice(start, start + limit));
    return json(
      200,
      req.query.get('replyWithCount') === 'true'
        ? { inventories: page, total }
        : { inventories: page },
    );
  };

  const authed =
    (handler: (req: SimRequest, params: Readonly<Record<string, string>>) => SimResponse) =>
    (req: SimRequest, params: Readonly<Record<string, string>>): SimResponse =>
      authenticate(req) ?? handler(req, params);

  const router = new Router(prefix)
    .on('PUT', '/v1/accounts/login', (req) => login(req))
    .on('DELETE', '/v1/accounts/sessions/:uuid', (_req, p) => {
      state.sessions.delete(p.uuid!);
      return json(200, {});
    })
    .on(
      'GET',
      '/v1/external/plugins',
      authed((req) => query(req)),
    )
    .on(
      'GET',
      '/v1/external/plugins/:uuid',
      authed((req, p) => query(req, p.uuid)),
    )
    .on(
      'DELETE',
      '/v1/external/plugins/:uuid',
      authed((req, p) => {
        const mode = req.query.get('deleteMode') ?? 'Permissive';
        const uuid = p.uuid!;
        // Parameter checks run in the job, as ZStack's API interceptors do after the 202.
        return createJob(req, () =>
          (DELETE_MODES as readonly string[]).includes(mode)
            ? state.deleteDriver(uuid, mode as DeleteMode)
            : {
                code: 'SYS.1007',
                description: 'invalid argument',
                details: `deleteMode[${mode}] is not valid`,
              },
        );
      }),
    )
    .on(
      'PUT',
      '/v1/external/plugins',
      authed((req) => {
        const params = refreshParams(req.body);
        if (params === 'invalid')
          return text(400, 'the body doesn\'t contain key "refreshPluginDrivers"');
        return createJob(req, () => state.refresh(params.name));
      }),
    )
    .on(
      'GET',
      '/v1/api-jobs/:uuid',
      authed((_req, p) => pollJob(p.uuid!)),
    );

  const server = await startSimulatorServer(
    router.handler((req) => text(404, `no api mapping to [${req.method} ${req.path}]`)),
  );
  origin = server.origin;

  return {
    url: `${server.origin}${prefix}`,
    server,
    config: () => ({ url: `${server.origin}${prefix}`, account, password }),
    failNextJob: (error) => {
      state.nextJobError = { ...error };
    },
    expireSessions: () => state.sessions.clear(),
    expireJobs: () => state.jobs.clear(),
    drivers: () => cloneRows(state.table),
    sessions: () => state.sessions.size,
    close: () => server.close(),
  };
}

/** `{"refreshPluginDrivers":{"name"?:…},"systemTags":[…],"userTags":[…]}`. */
function refreshParams(body: string): { name: string | undefined } | 'invalid' {
  try {
    const parsed = JSON.parse(body) as { refreshPluginDrivers?: { name?: unknown } } | null;
    const params = parsed?.refreshPluginDrivers;
    if (typeof params !== 'object' || params === null) return 'invalid';
    return { name: typeof params.name === 'string' ? params.name : undefined };
  } catch {
    return 'invalid';
  }
}
