import type { z } from 'zod';
import type { HssConfig } from '../../config.ts';
import { BackendRejectedError, DomainError } from '../../domain/errors.ts';
import type { Host, Installation, Plugin } from '../../domain/model.ts';
import type { Started } from '../../tasks/tracker.ts';
import type { PollParams, TaskPoller } from '../../tasks/types.ts';
import type { BackendClient, Catalog, ClientOptions, Inventory } from '../catalog.ts';
import { BackendError, withVendorCode } from '../errors.ts';
import { HttpBackend, type HttpMethod, type HttpResponse } from '../http.ts';
import { parseJson, tryParseJson } from '../parse.ts';
import { requestOnce } from '../request-once.ts';
import { Scrubber } from '../scrub.ts';
import { sign } from './signing.ts';
import {
  evaluatePluginState,
  type HssAction,
  PLUGIN_STATE_POLLER,
  type PluginStateParams,
  pluginStateParamsSchema,
} from './task.ts';
import { type HssPluginOperationInput, validateStartInput } from './validation.ts';
import {
  distinctHosts,
  errorSchema,
  listAttachmentsSchema,
  listPluginsSchema,
  toInstallation,
  toPlugin,
  type WireAttachment,
  type WireOperateBody,
  type WirePlugin,
} from './wire.ts';

export type { HssPluginOperationInput } from './validation.ts';
export { startInputProblems, validateStartInput } from './validation.ts';

export interface HssClientOptions extends ClientOptions {
  /** `limit` of list calls, 10..200 as HSS allows; default 200 (fewest round trips). */
  readonly pageSize?: number;
}

/** A request below `/v5/{project_id}`. */
interface HssRequest {
  readonly method: HttpMethod;
  readonly path: string;
  readonly operation: string;
  readonly projectId?: string | undefined;
  readonly enterpriseProjectId?: string | undefined;
  readonly query?: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly body?: unknown;
  readonly deadline: number;
}

interface Scope {
  readonly projectId: string;
  readonly enterpriseProjectId: string | undefined;
}

/** Stops a vendor that keeps saying "more" from looping us forever. */
const MAX_PAGES = 500;

/**
 * Huawei Cloud HSS v5 Plugin Center (vendor-apis.md §3). Stateless auth: every request is signed
 * (AK/SK, recommended) or carries the IAM token, so there is no session to open or close.
 */
export class HssClient implements Catalog, BackendClient {
  private readonly http: HttpBackend;
  private readonly basePath: string;
  private readonly host: string;
  private readonly pageSize: number;
  /** The keys or the token: a gateway error may quote the request it refused. */
  private readonly scrubber: Scrubber;

  constructor(
    private readonly config: HssConfig,
    options: HssClientOptions,
  ) {
    if (!config.projectId) throw new TypeError('hss: projectId is required');
    const pageSize = options.pageSize ?? 200;
    if (!Number.isInteger(pageSize) || pageSize < 10 || pageSize > 200) {
      throw new TypeError('hss: pageSize must be an integer from 10 to 200');
    }
    this.pageSize = pageSize;
    const { auth } = config;
    this.scrubber = new Scrubber(
      auth.mode === 'token' ? [auth.token] : [auth.accessKey, auth.secretKey],
    );
    const url = new URL(config.url);
    this.host = url.host;
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.http = new HttpBackend({
      backend: 'hss',
      baseUrl: config.url,
      timeoutMs: options.timeoutMs,
      breaker: options.breakers?.for('hss'),
      onCall: options.onCall,
    });
  }

  // -------------------------------------------------------------------------------------------
  // Catalog

  async listPlugins(reads?: object): Promise<Plugin[]> {
    return (await this.catalogPlugins(reads)).map(toPlugin);
  }

  /** Distinct servers over every plugin's ListPluginStatus rows. */
  async listHosts(reads?: object): Promise<Host[]> {
    const rows = await this.allAttachments(reads);
    return distinctHosts(rows.map((r) => r.row));
  }

  /** One installation per (plugin, server) row, every page of every plugin. */
  async listInstallations(reads?: object): Promise<Installation[]> {
    const rows = await this.allAttachments(reads);
    return rows.map((r) => toInstallation(r.code, r.row));
  }

  /** Hosts and installations from one pass over ListPluginStatus. */
  async listInventory(reads?: object): Promise<Inventory> {
    const rows = await this.allAttachments(reads);
    return {
      hosts: distinctHosts(rows.map((r) => r.row)),
      installations: rows.map((r) => toInstallation(r.code, r.row)),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Mutations

  startPlugin(input: HssPluginOperationInput): Promise<Started> {
    return this.operate('start', input);
  }

  stopPlugin(input: HssPluginOperationInput): Promise<Started> {
    return this.operate('stop', input);
  }

  pollers(): Record<string, TaskPoller> {
    return { [PLUGIN_STATE_POLLER]: (params) => this.pollPluginState(params) };
  }

  // -------------------------------------------------------------------------------------------
  // Lifecycle

  /** ListPlugins, one small page: the cheapest call that proves the credentials still work. */
  async ping(): Promise<void> {
    try {
      const res = await this.call({
        method: 'GET',
        path: '/plugins',
        operation: 'ListPlugins',
        query: { offset: '0', limit: '10' },
        deadline: this.http.deadline(),
      });
      parseJson('hss', res, listPluginsSchema, 'ListPlugins body');
    } catch (err) {
      throw asInfrastructure(err);
    }
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  // -------------------------------------------------------------------------------------------
  // Internals

  private scope(input?: HssPluginOperationInput): Scope {
    return {
      projectId: input?.projectId ?? this.config.projectId,
      enterpriseProjectId: input?.enterpriseProjectId ?? this.config.enterpriseProjectId,
    };
  }

  private async operate(action: HssAction, input: HssPluginOperationInput): Promise<Started> {
    validateStartInput(input);
    const scope = this.scope(input);
    const deadline = this.http.deadline();
    // With operateAll the targets are whoever has the plugin now, fixed for the task's life.
    const hostIds = input.operateAll
      ? (await this.attachments(input.pluginCode, scope, deadline))
          .filter((r) => r.plugin_status !== 'not_installed')
          .map((r) => r.host_id)
      : [...new Set(input.hostIds ?? [])];
    const body: WireOperateBody = {
      plugin_code: input.pluginCode,
      operate_all: input.operateAll ?? false,
      host_id_list: [...(input.hostIds ?? [])],
    };
    await this.call({
      method: 'POST',
      path: `/plugins/attachments/${action}`,
      operation: action === 'start' ? 'StartPlugin' : 'StopPlugin',
      ...scope,
      body,
      deadline,
    });
    const params: PluginStateParams = {
      action,
      pluginCode: input.pluginCode,
      hostIds,
      projectId: scope.projectId,
      enterpriseProjectId: scope.enterpriseProjectId ?? null,
    };
    return {
      poll: { kind: PLUGIN_STATE_POLLER, params },
      initial: { status: 'RUNNING', progress: 0 },
    };
  }

  private async pollPluginState(raw: PollParams) {
    const parsed = pluginStateParamsSchema.safeParse(raw);
    if (!parsed.success) {
      throw new BackendError(
        'BACKEND_BAD_RESPONSE',
        'hss',
        'hss.pluginState poll parameters are invalid',
      );
    }
    const p = parsed.data;
    const scope = {
      projectId: p.projectId,
      enterpriseProjectId: p.enterpriseProjectId ?? undefined,
    };
    const rows =
      p.hostIds.length === 0
        ? []
        : await this.attachments(p.pluginCode, scope, this.http.deadline(), p.hostIds);
    // status_detail becomes the task's message: vendor text, so scrubbed first.
    const scrubbed = rows.map((row) => ({
      ...row,
      status_detail: this.scrubber.text(row.status_detail),
    }));
    return evaluatePluginState(p.action, p.hostIds, scrubbed);
  }

  private plugins(scope: Scope, deadline: number): Promise<WirePlugin[]> {
    return this.listAll(
      { method: 'GET', path: '/plugins', operation: 'ListPlugins', ...scope, deadline },
      listPluginsSchema,
    );
  }

  private attachments(
    pluginCode: string,
    scope: Scope,
    deadline: number,
    hostIds?: readonly string[],
  ): Promise<WireAttachment[]> {
    return this.listAll(
      {
        method: 'GET',
        path: '/plugins/attachments',
        operation: 'ListPluginStatus',
        ...scope,
        query: { plugin_code: pluginCode, host_ids: hostIds },
        deadline,
      },
      listAttachmentsSchema,
    );
  }

  /** ListPluginStatus needs a plugin code, and its rows do not name the plugin: one list per code. */
  /** ListPlugins of the configured project, every page: once per request (`reads`). */
  private catalogPlugins(reads?: object): Promise<WirePlugin[]> {
    return requestOnce(reads, 'hss.plugins', () =>
      this.plugins(this.scope(), this.http.deadline()),
    );
  }

  /** ListPluginStatus of every plugin code (a call per code: the vendor has no "all" call). */
  private allAttachments(reads?: object): Promise<{ code: string; row: WireAttachment }[]> {
    return requestOnce(reads, 'hss.attachments', async () => {
      const scope = this.scope();
      const deadline = this.http.deadline();
      const plugins = await this.catalogPlugins(reads);
      const lists = await Promise.all(
        plugins.map(async (p) =>
          (await this.attachments(p.code, scope, deadline)).map((row) => ({ code: p.code, row })),
        ),
      );
      return lists.flat();
    });
  }

  /** Follows offset/limit pages until total_num rows came (or a page came back empty). */
  private async listAll<T>(
    req: HssRequest,
    schema: z.ZodType<{
      data_list?: T[] | null | undefined;
      total_num?: number | null | undefined;
    }>,
  ): Promise<T[]> {
    const items: T[] = [];
    for (let page = 0; page < MAX_PAGES; page++) {
      const res = await this.call({
        ...req,
        query: { ...req.query, offset: String(items.length), limit: String(this.pageSize) },
      });
      const body = parseJson('hss', res, schema, `${req.operation} body`);
      const list = body.data_list ?? [];
      items.push(...list);
      if (list.length === 0 || items.length >= (body.total_num ?? 0)) return items;
    }
    throw new BackendError(
      'BACKEND_BAD_RESPONSE',
      'hss',
      `hss ${req.operation} kept paging past ${MAX_PAGES} pages`,
    );
  }

  /** One HSS call: path under /v5/{project_id}, enterprise project, auth, error mapping. */
  private async call(req: HssRequest): Promise<HttpResponse> {
    const path = `/v5/${encodeURIComponent(req.projectId ?? this.config.projectId)}${req.path}`;
    const query = { ...req.query, enterprise_project_id: req.enterpriseProjectId };
    const body = req.body === undefined ? '' : JSON.stringify(req.body);
    const headers: Record<string, string> = { host: this.host };
    if (body !== '') headers['content-type'] = 'application/json;charset=UTF-8';
    const res = await this.http.request({
      method: req.method,
      path,
      query,
      headers: { ...headers, ...this.authHeaders(req.method, path, query, headers, body) },
      ...(body === '' ? {} : { body }),
      operation: req.operation,
      deadline: req.deadline,
    });
    if (res.status >= 200 && res.status < 300) return res;
    throw this.failure(res, req.operation);
  }

  private authHeaders(
    method: HttpMethod,
    path: string,
    query: Readonly<Record<string, string | readonly string[] | undefined>>,
    headers: Readonly<Record<string, string>>,
    body: string,
  ): Record<string, string> {
    const { auth } = this.config;
    if (auth.mode === 'token') return { 'X-Auth-Token': auth.token };
    return sign({
      method,
      path: this.basePath + path,
      query,
      headers,
      body,
      accessKey: auth.accessKey,
      secretKey: auth.secretKey,
      date: new Date(),
    });
  }

  /** Vendor status + body -> our error. Messages are ours; the vendor's code is kept, scrubbed. */
  private failure(res: HttpResponse, operation: string): Error {
    const err = tryParseJson(res.body, errorSchema);
    const vendorCode = this.scrubber.code(err?.error_code);
    const meta = { vendorCode, httpStatus: res.status };
    const gateway = err?.error_code.startsWith('APIGW.') ?? false;
    if (res.status === 401 || (res.status === 403 && gateway)) {
      return new BackendError('BACKEND_AUTH_FAILED', 'hss', this.authAdvice(vendorCode), meta);
    }
    if (res.status >= 500 || res.status === 429) {
      return new BackendError(
        'BACKEND_UNAVAILABLE',
        'hss',
        withVendorCode(`HSS ${operation} failed with HTTP ${res.status}`, vendorCode),
        meta,
      );
    }
    if (res.status >= 400 && res.status < 500 && err) {
      return new BackendRejectedError(
        withVendorCode(`HSS refused ${operation}`, vendorCode),
        'hss',
        vendorCode,
        res.status,
      );
    }
    return new BackendError(
      'BACKEND_BAD_RESPONSE',
      'hss',
      `HSS ${operation} answered HTTP ${res.status} without an HSS error body`,
      meta,
    );
  }

  private authAdvice(vendorCode: string | undefined): string {
    const code = vendorCode ? ` (${vendorCode})` : '';
    if (this.config.auth.mode === 'token') {
      return `HSS refused the IAM token${code}: IAM tokens expire after 24 hours; renew HSS_AUTH_TOKEN or switch to AK/SK signing (HSS_ACCESS_KEY, HSS_SECRET_KEY)`;
    }
    return `HSS refused the AK/SK signature${code}: check HSS_ACCESS_KEY, HSS_SECRET_KEY and this server's clock`;
  }
}

/** ping() reports infrastructure only: a vendor "no" there means our credentials or scope are wrong. */
function asInfrastructure(err: unknown): unknown {
  if (!(err instanceof DomainError)) return err;
  const vendorCode = err instanceof BackendRejectedError ? err.vendorCode : undefined;
  const httpStatus = err instanceof BackendRejectedError ? err.httpStatus : undefined;
  const denied = httpStatus === 401 || httpStatus === 403;
  return new BackendError(
    denied ? 'BACKEND_AUTH_FAILED' : 'BACKEND_BAD_RESPONSE',
    'hss',
    `hss refused the readiness check${vendorCode ? ` (${vendorCode})` : ''}: ${err.message}`,
    { vendorCode, httpStatus, cause: err },
  );
}
