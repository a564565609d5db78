import type { ZstackConfig } from '../../config/index.ts';
import { BackendRejectedError, NotFoundError } from '../../domain/errors.ts';
import type { Host, Installation, Plugin } from '../../domain/model.ts';
import type { PollParams, SinglePoller, Started, TaskObservation } from '../../tasks/types.ts';
import type { VendorWrite } from '../../tasks/vendor-write.ts';
import type { BackendClient, Catalog, ClientOptions } from '../catalog.ts';
import { BackendError, badResponse, withVendorCode } from '../errors.ts';
import { clientHttp, type HttpRequest, type HttpResponse, type VendorHttp } from '../http.ts';
import { parseJson, tryParseJson } from '../parse.ts';
import { rateLimited } from '../rate-limit.ts';
import { Scrubber } from '../scrub.ts';
import { SharedSession } from '../session.ts';
import { asWrite, ZSTACK_OUTCOME_KIND, zstackJobOutcomePoller } from './outcome.ts';
import { readAllDrivers } from './pages.ts';
import {
  AsyncReply,
  type DeleteMode,
  ErrorBody,
  type ErrorObject,
  hashPassword,
  JobResult,
  jobPathFromLocation,
  jobUuidFromPath,
  LoginReply,
  loginBody,
  QueryPluginDriversReply,
  refreshPluginDriversBody,
  toPlugin,
} from './wire.ts';

const BACKEND = 'zstack';
const JSON_TYPE = 'application/json;charset=UTF-8';
const SESSION_EXPIRED = 'ID.1001';
/** The vendor's default page size; we ask for it explicitly and page past it. */
const PAGE_SIZE = 1000;
/**
 * ZStack answers failed API calls and failed jobs with 503 and an error object: a retry would
 * repeat a vendor's verdict, not ride out an outage. Reads retry only on these.
 */
const READ_RETRY_STATUSES: readonly number[] = [429, 502, 504];

/** A call below `/v1`, made with the session header added by `call`. */
type ZstackRequest = Omit<HttpRequest, 'deadline'>;

export class ZstackClient implements Catalog, BackendClient {
  private readonly http: VendorHttp;
  private readonly basePath: string;
  private readonly session = new SharedSession((deadline) => this.login(deadline));
  /** The password, the digest ZStack actually sees, and every session id it handed out. */
  private readonly scrubber: Scrubber;
  private closed = false;

  constructor(
    private readonly config: ZstackConfig,
    options: ClientOptions,
  ) {
    this.http = clientHttp(BACKEND, config.url, options);
    this.basePath = new URL(config.url).pathname.replace(/\/+$/, '');
    this.scrubber = new Scrubber([config.password, hashPassword(config.password)]);
  }

  /** QueryPluginDrivers, soft-deleted drivers included (status DELETED), each once (pages.ts). */
  async listPlugins(): Promise<Plugin[]> {
    const drivers = await readAllDrivers(PAGE_SIZE, async (start) => {
      const res = await this.call({
        method: 'GET',
        path: '/v1/external/plugins',
        query: { limit: PAGE_SIZE, start },
        operation: 'queryPluginDrivers',
        retryOnStatus: READ_RETRY_STATUSES,
      });
      if (res.status !== 200) throw this.failure(res);
      return parseJson(BACKEND, res, QueryPluginDriversReply, 'plugin-driver list').inventories;
    });
    return drivers.map(toPlugin);
  }

  /** ZStack plugin drivers run on the management nodes: no hosts of their own. */
  async listHosts(): Promise<Host[]> {
    return [];
  }

  async listInstallations(): Promise<Installation[]> {
    return [];
  }

  /** DeletePluginDrivers: Permissive soft-deletes, Enforcing removes the row. */
  async deletePluginDriver(uuid: string, mode: DeleteMode, write?: VendorWrite): Promise<Started> {
    const res = await this.call({
      method: 'DELETE',
      path: `/v1/external/plugins/${encodeURIComponent(uuid)}`,
      query: { deleteMode: mode },
      operation: 'deletePluginDrivers',
      ...asWrite(write),
    });
    return this.started(res, uuid);
  }

  /** RefreshPluginDrivers: every management node rescans its plugin directory (one name or all). */
  async refreshPluginDrivers(name?: string, write?: VendorWrite): Promise<Started> {
    const res = await this.call({
      method: 'PUT',
      path: '/v1/external/plugins',
      body: refreshPluginDriversBody(name),
      operation: 'refreshPluginDrivers',
      ...asWrite(write),
    });
    return this.started(res);
  }

  pollers(): Record<string, SinglePoller> {
    const pollJob: SinglePoller = (params) => this.pollJob(params);
    return { 'zstack.job': pollJob, [ZSTACK_OUTCOME_KIND]: zstackJobOutcomePoller(pollJob) };
  }

  /** The cheapest authenticated call: one row of the plugin-driver table. */
  async ping(): Promise<void> {
    const res = await this.call({
      method: 'GET',
      path: '/v1/external/plugins',
      query: { limit: 1 },
      operation: 'ping',
      retryOnStatus: READ_RETRY_STATUSES,
    });
    if (res.status !== 200) throw this.failure(res);
    parseJson(BACKEND, res, QueryPluginDriversReply, 'plugin-driver list');
  }

  /** Logs out (best effort: the session expires on its own anyway), then closes the pool. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const session = await this.session.take();
    if (session !== undefined) {
      try {
        await this.http.request({
          method: 'DELETE',
          path: `/v1/accounts/sessions/${encodeURIComponent(session)}`,
          headers: { authorization: `OAuth ${session}` },
          operation: 'logOut',
        });
      } catch {
        // Nothing to do about a failed logout while shutting down.
      }
    }
    await this.http.close();
  }

  private async pollJob(params: PollParams): Promise<TaskObservation> {
    const path = params.path;
    if (typeof path !== 'string' || !path.startsWith('/v1/')) {
      throw new TypeError('zstack.job poll needs a job path below the base URL');
    }
    const res = await this.call({
      method: 'GET',
      path,
      operation: 'pollJob',
      retryOnStatus: READ_RETRY_STATUSES,
    });
    if (res.status === 202) return { status: 'RUNNING', progress: null };
    if (res.status === 200) {
      parseJson(BACKEND, res, JobResult, 'job result');
      return { status: 'SUCCESS' };
    }
    if (res.status === 404) {
      return {
        status: 'ERROR',
        error: {
          code: 'JOB_EXPIRED',
          message: 'The ZStack job expired or is unknown to the management node',
        },
      };
    }
    const error = tryParseJson(res.body, ErrorBody)?.error;
    if (res.status === 503 && error !== undefined && !isAuthCode(error.code)) {
      return { status: 'ERROR', error: this.jobError(error) };
    }
    // No verdict on the job (outage, auth): "could not tell", the tracker polls again.
    throw this.failure(res);
  }

  /** The 202 of an async call → a task following its job. */
  private started(res: HttpResponse, target?: string): Started {
    if (res.status !== 202) throw this.failure(res, target);
    const { location } = parseJson(BACKEND, res, AsyncReply, 'job location');
    const path = jobPathFromLocation(location, this.basePath);
    const jobUuid = path === undefined ? undefined : jobUuidFromPath(path);
    if (path === undefined || jobUuid === undefined) throw badResponse(BACKEND, 'job location');
    return {
      nativeId: jobUuid,
      poll: { kind: 'zstack.job', params: { path } },
      initial: { status: 'QUEUED' },
    };
  }

  /**
   * One authenticated call: logs in if needed, and on an expired session logs in again once
   * and repeats the call once (the vendor refused it unseen, so repeating a write is safe).
   */
  private async call(req: ZstackRequest): Promise<HttpResponse> {
    const deadline = this.http.deadline();
    const res = await this.session.send(
      deadline,
      (session) =>
        this.http.request({
          ...req,
          headers: {
            ...req.headers,
            authorization: `OAuth ${session}`,
            ...(req.body === undefined ? {} : { 'content-type': JSON_TYPE }),
          },
          deadline,
        }),
      isSessionExpired,
    );
    if (isSessionExpired(res)) {
      throw new BackendError('BACKEND_AUTH_FAILED', BACKEND, 'zstack rejected a fresh session', {
        vendorCode: SESSION_EXPIRED,
        httpStatus: res.status,
      });
    }
    return res;
  }

  private async login(deadline: number): Promise<string> {
    const res = await this.http.request({
      method: 'PUT',
      path: '/v1/accounts/login',
      headers: { 'content-type': JSON_TYPE },
      body: loginBody(this.config.account, this.config.password),
      operation: 'logInByAccount',
      deadline,
    });
    if (res.status !== 200) {
      const error = tryParseJson(res.body, ErrorBody)?.error;
      if (error !== undefined && isAuthCode(error.code)) {
        throw new BackendError('BACKEND_AUTH_FAILED', BACKEND, 'ZStack refused the login', {
          vendorCode: this.scrubber.code(error.code),
          httpStatus: res.status,
        });
      }
      throw this.failure(res);
    }
    const uuid = parseJson(BACKEND, res, LoginReply, 'login reply').inventory.uuid;
    this.scrubber.addSession(uuid);
    return uuid;
  }

  /**
   * A non-success answer → a domain error (the vendor said no) or a BackendError. Messages are
   * ours; the vendor's code is kept (scrubbed: it is vendor text too), its wording is not.
   */
  private failure(res: HttpResponse, target?: string): Error {
    const error = tryParseJson(res.body, ErrorBody)?.error;
    const httpStatus = res.status;
    const limited = rateLimited(BACKEND, 'ZStack', res, {
      vendorCode: this.scrubber.code(error?.code),
    });
    if (limited) return limited;
    if (error !== undefined) return this.vendorFailure(error, httpStatus, target);
    if (httpStatus === 401 || httpStatus === 403) {
      return new BackendError(
        'BACKEND_AUTH_FAILED',
        BACKEND,
        `ZStack refused access (HTTP ${httpStatus})`,
        { httpStatus },
      );
    }
    if (httpStatus >= 400 && httpStatus < 500) {
      // Plain text from the REST layer itself (missing header, no API mapping).
      return new BackendRejectedError(
        `ZStack refused the request (HTTP ${httpStatus}).`,
        BACKEND,
        undefined,
        httpStatus,
      );
    }
    if (httpStatus >= 500) {
      return new BackendError(
        'BACKEND_UNAVAILABLE',
        BACKEND,
        `ZStack answered HTTP ${httpStatus}`,
        {
          httpStatus,
        },
      );
    }
    return new BackendError(
      'BACKEND_BAD_RESPONSE',
      BACKEND,
      `ZStack answered an unexpected HTTP ${httpStatus}`,
      { httpStatus },
    );
  }

  private vendorFailure(error: ErrorObject, httpStatus: number, target?: string): Error {
    const vendorCode = this.scrubber.code(error.code);
    if (isAuthCode(error.code)) {
      return new BackendError(
        'BACKEND_AUTH_FAILED',
        BACKEND,
        withVendorCode('ZStack refused access', vendorCode),
        { vendorCode, httpStatus },
      );
    }
    if (error.code === 'SYS.1003' && target !== undefined)
      return new NotFoundError('Plugin driver', target);
    if (error.code === 'SYS.1007' || (httpStatus >= 400 && httpStatus < 500)) {
      return new BackendRejectedError(
        withVendorCode('ZStack refused the request', vendorCode),
        BACKEND,
        vendorCode,
        httpStatus,
      );
    }
    return new BackendError(
      'BACKEND_UNAVAILABLE',
      BACKEND,
      withVendorCode('ZStack failed the request', vendorCode),
      { vendorCode, httpStatus },
    );
  }

  /**
   * A failed job's error: the vendor's code, and its description and details as the reason
   * (the one place vendor wording is kept, because it says why the job failed), scrubbed.
   */
  private jobError(error: ErrorObject): { code: string; message: string; details?: string } {
    const code = this.scrubber.code(error.code) ?? 'JOB_FAILED';
    const details = this.scrubber.text(error.details);
    return {
      code,
      message:
        this.scrubber.text(error.description) ?? withVendorCode('The ZStack job failed', code),
      ...(details ? { details } : {}),
    };
  }
}

function isAuthCode(code: string): boolean {
  return code.startsWith('ID.');
}

function isSessionExpired(res: HttpResponse): boolean {
  if (res.status < 400) return false;
  return tryParseJson(res.body, ErrorBody)?.error.code === SESSION_EXPIRED;
}
