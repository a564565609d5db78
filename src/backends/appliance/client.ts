import { setTimeout as sleep } from 'node:timers/promises';
import type { ApplianceConfig } from '../../config/index.ts';
import { BackendRejectedError, NotFoundError } from '../../domain/errors.ts';
import type { Update } from '../../domain/model.ts';
import type { SinglePoller, Started, TaskObservation } from '../../tasks/types.ts';
import type { VendorWrite } from '../../tasks/vendor-write.ts';
import type { BackendClient, ClientOptions } from '../catalog.ts';
import { BackendError, withVendorCode } from '../errors.ts';
import { clientHttp, type HttpResponse, type VendorHttp } from '../http.ts';
import { parseJson, tryParseJson } from '../parse.ts';
import { rateLimited } from '../rate-limit.ts';
import { Scrubber } from '../scrub.ts';
import { type SessionCall, SharedSession, sessionCall } from '../session.ts';
import { APPLIANCE_OUTCOME_KIND, applianceInstallOutcomePoller, taskList } from './outcome.ts';
import {
  responseError,
  sessionBody,
  type TaskBody,
  taskBody,
  toObservation,
  toUpdate,
  updatesResult,
} from './wire.ts';

const UPDATE_MANAGER = '/appliance/update-manager';

export interface ApplianceClientOptions extends ClientOptions {
  /** How long the result of retrieve-updates is reused (SPEC: "cached briefly"). */
  readonly updatesCacheMs?: number;
  /** Period of the in-call polling of the retrieve-updates task. */
  readonly retrievePollMs?: number;
}

/**
 * VMware DR appliance update manager (vendor-apis.md §4): Basic-auth `POST /session` gives a
 * session id sent as `x-dr-session`; updates are found by a retrieve-updates task and installed
 * by an install task, both native appliance tasks.
 */
export class ApplianceClient implements BackendClient {
  private readonly http: VendorHttp;
  private readonly session = new SharedSession((deadline) => this.createSession(deadline));
  /** One vendor call with the `x-dr-session` header, renewed once on 401 (session.ts). */
  private readonly call: SessionCall;
  private updatesCache: { at: number; value: Promise<Update[]> } | undefined;
  private readonly updatesCacheMs: number;
  private readonly retrievePollMs: number;
  /** The password, the Basic value carrying it, and every session id the appliance handed out. */
  private readonly scrubber: Scrubber;

  constructor(
    private readonly config: ApplianceConfig,
    options: ApplianceClientOptions,
  ) {
    this.http = clientHttp('appliance', config.url, options);
    this.call = sessionCall({
      http: this.http,
      session: this.session,
      headers: (id) => ({ 'x-dr-session': id }),
      failure: (res, operation) => this.failure(res, operation),
    });
    this.updatesCacheMs = options.updatesCacheMs ?? 30_000;
    this.retrievePollMs = options.retrievePollMs ?? 250;
    this.scrubber = new Scrubber([config.password, this.basicCredentials()]);
  }

  /** Available updates: runs retrieve-updates and waits for its task, within one deadline. */
  listUpdates(): Promise<Update[]> {
    const cached = this.updatesCache;
    if (cached && Date.now() - cached.at < this.updatesCacheMs) return cached.value;
    const value = this.retrieveUpdates();
    this.updatesCache = { at: Date.now(), value };
    value.catch(() => {
      if (this.updatesCache?.value === value) this.updatesCache = undefined;
    });
    return value;
  }

  private async retrieveUpdates(): Promise<Update[]> {
    const deadline = this.http.deadline();
    let task = await this.call(
      {
        method: 'POST',
        path: `${UPDATE_MANAGER}/actions/retrieve-updates`,
        operation: 'retrieveUpdates',
        // A read the vendor's API spells as a POST: it starts a look-up of the update repository,
        // and a second one only looks again. So it is retried as reads are (a 429's Retry-After
        // honoured), not left to fail on the first busy answer as a write is.
        idempotent: true,
        deadline,
      },
      [200, 202],
      (res) => parseJson('appliance', res, taskBody, 'retrieve-updates task'),
    );
    while (task.status === 'QUEUED' || task.status === 'RUNNING') {
      if (task.id === undefined)
        throw new BackendError(
          'BACKEND_BAD_RESPONSE',
          'appliance',
          'retrieve-updates task has no id',
        );
      if (Date.now() + this.retrievePollMs >= deadline) {
        throw new BackendError(
          'BACKEND_TIMEOUT',
          'appliance',
          'retrieve-updates did not finish in time',
        );
      }
      await sleep(this.retrievePollMs);
      task = await this.getTaskBody(task.id, deadline);
    }
    if (task.status !== 'SUCCESS') {
      throw new BackendError(
        'BACKEND_UNAVAILABLE',
        'appliance',
        `The appliance's retrieve-updates task ended ${task.status}`,
      );
    }
    const result = updatesResult.safeParse(task.result ?? []);
    if (!result.success)
      throw new BackendError(
        'BACKEND_BAD_RESPONSE',
        'appliance',
        'appliance sent an unexpected update list',
      );
    return result.data.map(toUpdate);
  }

  /**
   * Install Update (seed): 202 with the appliance's own task, which the tracker then polls.
   * Should its answer be lost, the appliance's task list tells what became of it (outcome.ts).
   */
  async installUpdate(version: string, write?: VendorWrite): Promise<Started> {
    write?.reconcileBy({ kind: APPLIANCE_OUTCOME_KIND, params: { version, since: Date.now() } });
    const task = await this.call(
      {
        method: 'POST',
        path: `${UPDATE_MANAGER}/updates/${encodeURIComponent(version)}/actions/install`,
        operation: 'installUpdate',
        write,
      },
      [200, 202],
      (res) => parseJson('appliance', res, taskBody, 'install task'),
      () => new NotFoundError('Update', version),
    );
    if (task.id === undefined)
      throw new BackendError('BACKEND_BAD_RESPONSE', 'appliance', 'install task has no id');
    // The cached list may now be stale (an installed update is no longer available).
    this.updatesCache = undefined;
    return {
      nativeId: task.id,
      poll: { kind: 'appliance.task', params: { taskId: task.id } },
      initial: this.observe(task),
    };
  }

  async getTask(taskId: string): Promise<TaskObservation> {
    return this.observe(await this.getTaskBody(taskId));
  }

  /** The task's error is the vendor's reason, kept because it says why: scrubbed first. */
  private observe(task: TaskBody): TaskObservation {
    if (!task.error) return toObservation(task);
    const error = {
      message: this.scrubber.text(task.error.message),
      details: this.scrubber.text(task.error.details),
    };
    return toObservation({ ...task, error });
  }

  private getTaskBody(taskId: string, deadline?: number): Promise<TaskBody> {
    return this.call(
      {
        method: 'GET',
        path: this.config.taskPath.replace('{id}', encodeURIComponent(taskId)),
        operation: 'getTask',
        ...(deadline === undefined ? {} : { deadline }),
      },
      [200],
      (res) => parseJson('appliance', res, taskBody, 'task'),
      () => new NotFoundError('Task', taskId),
    );
  }

  pollers(): Record<string, SinglePoller> {
    return {
      'appliance.task': (params) => {
        const taskId = params.taskId;
        if (typeof taskId !== 'string') throw new TypeError('appliance.task needs a taskId');
        return this.getTask(taskId);
      },
      [APPLIANCE_OUTCOME_KIND]: applianceInstallOutcomePoller({
        tasks: () => this.listTasks(),
        observe: (task) => this.observe(task),
      }),
    };
  }

  /** The appliance's tasks, at the get-task path without its `{id}` (`/tasks`: a guess). */
  private listTasks(): Promise<TaskBody[]> {
    const path = this.config.taskPath.replace(/\/\{id\}$/, '');
    if (path === this.config.taskPath || path === '') {
      throw new BackendError('BACKEND_BAD_RESPONSE', 'appliance', 'No task list path is known');
    }
    return this.call({ method: 'GET', path, operation: 'listTasks' }, [200], (res) =>
      parseJson('appliance', res, taskList, 'task list'),
    );
  }

  /**
   * Readiness: an authenticated GET of a task that cannot exist. 404 proves the API answers and
   * takes our session, without creating a session per check.
   */
  async ping(): Promise<void> {
    await this.getTaskBody('00000000-0000-0000-0000-000000000000').catch((err: unknown) => {
      if (!(err instanceof NotFoundError)) throw err;
    });
  }

  async close(): Promise<void> {
    const id = await this.session.take();
    if (id !== undefined) {
      await this.http
        .request({
          method: 'DELETE',
          path: '/session',
          headers: { 'x-dr-session': id },
          operation: 'logout',
        })
        .catch(() => undefined); // best effort: we are leaving either way
    }
    await this.http.close();
  }

  private async createSession(deadline: number): Promise<string> {
    const res = await this.http.request({
      method: 'POST',
      path: '/session',
      headers: { authorization: `Basic ${this.basicCredentials()}` },
      operation: 'login',
      idempotent: true, // a second login attempt only makes another session
      deadline,
    });
    if (res.status === 401 || res.status === 403) {
      throw new BackendError(
        'BACKEND_AUTH_FAILED',
        'appliance',
        'The appliance refused our credentials',
        { httpStatus: res.status },
      );
    }
    if (res.status !== 200 && res.status !== 201) throw this.failure(res, 'login');
    const id = parseJson('appliance', res, sessionBody, 'session').session_id;
    this.scrubber.addSession(id);
    return id;
  }

  private basicCredentials(): string {
    return Buffer.from(`${this.config.username}:${this.config.password}`).toString('base64');
  }

  /**
   * Maps a non-success status to our error tiers (SPEC §5). Messages are ours: the appliance's
   * `message` may quote what it was sent. Its `error_code` is kept, scrubbed.
   */
  private failure(res: HttpResponse, operation: string): Error {
    const body = tryParseJson(res.body, responseError);
    const vendorCode = this.scrubber.code(body?.error_code);
    const options = { vendorCode, httpStatus: res.status };
    const limited = rateLimited('appliance', 'The appliance', res, { operation, vendorCode });
    if (limited) return limited;
    if (res.status === 401)
      return new BackendError(
        'BACKEND_AUTH_FAILED',
        'appliance',
        'The appliance refused our session',
        options,
      );
    if (res.status === 403)
      return new BackendError(
        'BACKEND_AUTH_FAILED',
        'appliance',
        withVendorCode(`The appliance user lacks the rights for ${operation}`, vendorCode),
        options,
      );
    if (res.status >= 400 && res.status < 500)
      return new BackendRejectedError(
        withVendorCode(`The appliance refused ${operation} (HTTP ${res.status})`, vendorCode),
        'appliance',
        vendorCode,
        res.status,
      );
    if (res.status >= 500)
      return new BackendError(
        'BACKEND_UNAVAILABLE',
        'appliance',
        withVendorCode(`The appliance failed ${operation} (HTTP ${res.status})`, vendorCode),
        options,
      );
    return new BackendError(
      'BACKEND_BAD_RESPONSE',
      'appliance',
      `The appliance answered an unexpected ${res.status}`,
      options,
    );
  }
}
