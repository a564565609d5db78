import { randomUUID } from 'node:crypto';
import type { ApplianceConfig } from '../../config/index.ts';
import { empty, json, Router } from '../simulator/router.ts';
import type { SimRequest, SimResponse, SimulatorServer } from '../simulator/server.ts';
import { startSimulatorServer } from '../simulator/server.ts';
import { APPLIANCE_FIXTURE, type FixtureUpdate } from './fixtures.ts';

/**
 * The appliance configuration API on loopback (vendor-apis.md §4): Basic-auth sessions, the
 * update manager, native tasks that advance with time, 401/404 without body, ResponseError JSON
 * for 400, and an appliance restart that drops connections and forgets sessions.
 */

export interface ApplianceSimulatorOptions {
  /** How long an install task runs; 0 finishes it at the first look. */
  readonly installMs?: number;
  /** How long retrieve-updates runs. */
  readonly retrieveMs?: number;
  /** Path prefix before the API (APPLIANCE_URL includes it). */
  readonly prefix?: string;
  readonly taskPath?: string;
  /**
   * Whether the task path without its `{id}` lists every task (`GET /tasks`, unpublished: the
   * sibling SRM API's); default true. Off: 404, an appliance that cannot tell what a lost
   * install did.
   */
  readonly taskList?: boolean;
  readonly updates?: readonly FixtureUpdate[];
  readonly username?: string;
  readonly password?: string;
}

interface SimTask {
  readonly id: string;
  readonly type: 'install' | 'retrieve-updates';
  readonly description: string;
  readonly startedAt: number;
  readonly durationMs: number;
  readonly version?: string;
  failure?: { message: string; details: string };
  done: boolean;
}

export interface ApplianceSimulator {
  readonly url: string;
  readonly server: SimulatorServer;
  config(): ApplianceConfig;
  /** Forgets every session, as an appliance restart or timeout does. */
  expireSessions(): void;
  /** Drops every connection for `ms` and forgets sessions: the appliance restarting mid-install. */
  restart(ms: number): void;
  /** The next install task ends ERROR with this message. */
  failNextInstall(message: string): void;
  installedVersion(): string;
  /** The appliance's own ids of the install tasks it started (writes it performed). */
  installTaskIds(): string[];
  /** Installs asked for while one ran (refused "update in progress"): a write sent twice. */
  installsWhileBusy(): number;
  readonly sessions: ReadonlySet<string>;
  close(): Promise<void>;
}

export async function startApplianceSimulator(
  options: ApplianceSimulatorOptions = {},
): Promise<ApplianceSimulator> {
  const username = options.username ?? APPLIANCE_FIXTURE.username;
  const password = options.password ?? APPLIANCE_FIXTURE.password;
  const prefix = options.prefix ?? '';
  const taskPath = options.taskPath ?? '/tasks/{id}';
  const updates = [...(options.updates ?? APPLIANCE_FIXTURE.updates)];
  const sessions = new Set<string>();
  const tasks = new Map<string, SimTask>();
  let installed: string = APPLIANCE_FIXTURE.installedVersion;
  let restartingUntil = 0;
  let nextFailure: string | undefined;
  let whileBusy = 0;

  const authorized = (req: SimRequest) => {
    const id = req.headers['x-dr-session'];
    return typeof id === 'string' && sessions.has(id);
  };

  const render = (task: SimTask): Record<string, unknown> => {
    const elapsed = Date.now() - task.startedAt;
    const progress =
      task.durationMs === 0 ? 100 : Math.min(100, Math.floor((elapsed / task.durationMs) * 100));
    const base = {
      id: task.id,
      description: task.description,
      type: task.type,
      start_time: task.startedAt,
    };
    if (progress < 100) return { ...base, status: progress === 0 ? 'QUEUED' : 'RUNNING', progress };
    if (!task.done) {
      task.done = true;
      if (task.type === 'install' && !task.failure && task.version) {
        installed = task.version;
        const index = updates.findIndex((u) => u.version === task.version);
        if (index >= 0) updates.splice(index, 1);
      }
    }
    const complete_time = task.startedAt + task.durationMs;
    if (task.failure)
      return { ...base, status: 'ERROR', progress: 100, complete_time, error: task.failure };
    const result = task.type === 'retrieve-updates' ? { updates } : undefined;
    return {
      ...base,
      status: 'SUCCESS',
      progress: 100,
      complete_time,
      ...(result ? { result } : {}),
    };
  };

  const newTask = (init: Omit<SimTask, 'id' | 'startedAt' | 'done'>): SimTask => {
    const task: SimTask = { ...init, id: randomUUID(), startedAt: Date.now(), done: false };
    tasks.set(task.id, task);
    return task;
  };

  const running = () =>
    [...tasks.values()].find(
      (t) => t.type === 'install' && Date.now() - t.startedAt < t.durationMs,
    );
  const opId = () => randomUUID();

  const router = new Router(prefix)
    .on('POST', '/session', (req) => {
      const expected = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
      if (req.headers.authorization !== expected) return empty(401);
      const id = randomUUID();
      sessions.add(id);
      return json(200, { session_id: id });
    })
    .on('DELETE', '/session', (req) => {
      const id = req.headers['x-dr-session'];
      if (typeof id !== 'string' || !sessions.delete(id)) return empty(401);
      return empty(204);
    })
    .on('POST', '/appliance/update-manager/actions/retrieve-updates', (req) => {
      if (!authorized(req)) return empty(401);
      const task = newTask({
        type: 'retrieve-updates',
        description: 'Retrieve available updates',
        durationMs: options.retrieveMs ?? 0,
      });
      return json(202, render(task));
    })
    .on(
      'POST',
      '/appliance/update-manager/updates/:version/actions/install',
      (req, { version }) => {
        if (!authorized(req)) return empty(401);
        if (!version || !updates.some((u) => u.version === version)) return empty(404);
        const busy = running();
        if (busy) {
          whileBusy++;
          return json(400, {
            error_code: 'UPDATE_ALREADY_IN_PROGRESS',
            message: `Update ${busy.version} is being installed`,
            op_id: opId(),
          });
        }
        const task = newTask({
          type: 'install',
          description: `Install update ${version}`,
          durationMs: options.installMs ?? 3_000,
          version,
        });
        if (nextFailure !== undefined) {
          task.failure = {
            message: nextFailure,
            details: 'com.vmware.dr.update.InstallFailedException',
          };
          nextFailure = undefined;
        }
        return json(202, render(task));
      },
    )
    .on('PUT', '/appliance/update-manager/repository', (req) =>
      authorized(req) ? empty(204) : empty(401),
    )
    .on('GET', taskPath.replace(/\/\{id\}$/, ''), (req) => {
      if (options.taskList === false) return empty(404);
      if (!authorized(req)) return empty(401);
      return json(200, [...tasks.values()].map(render));
    })
    .on('GET', taskPath.replace('{id}', ':id'), (req, { id }) => {
      if (!authorized(req)) return empty(401);
      const task = id ? tasks.get(id) : undefined;
      return task ? json(200, render(task)) : empty(404);
    });

  const fallback = (): SimResponse => empty(404);
  const handler = router.handler(fallback);
  const server = await startSimulatorServer(handler);
  // A restarting appliance answers nothing: connections are cut, not refused with a status.
  server.inject({ kind: 'drop' }, { match: () => Date.now() < restartingUntil, sticky: true });

  const url = server.origin + prefix;
  return {
    url,
    server,
    sessions,
    config: () => ({ url, username, password, taskPath }),
    expireSessions: () => sessions.clear(),
    restart: (ms) => {
      sessions.clear();
      restartingUntil = Date.now() + ms;
    },
    failNextInstall: (message) => {
      nextFailure = message;
    },
    installedVersion: () => installed,
    installTaskIds: () => [...tasks.values()].filter((t) => t.type === 'install').map((t) => t.id),
    installsWhileBusy: () => whileBusy,
    close: () => server.close(),
  };
}
