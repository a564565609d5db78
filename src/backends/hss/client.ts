import type { z } from 'zod';
import type { HssConfig } from '../../config/index.ts';
import type { Host, Installation, Plugin } from '../../domain/model.ts';
import type { Started, TaskPoller } from '../../tasks/types.ts';
import type { VendorWrite } from '../../tasks/vendor-write.ts';
import type { BackendClient, Catalog, ClientOptions, Inventory } from '../catalog.ts';
import { BackendError } from '../errors.ts';
import { clientHttp, type VendorHttp } from '../http.ts';
import { parseJson } from '../parse.ts';
import { requestOnce } from '../request-once.ts';
import { distinctBy } from '../rows.ts';
import { Scrubber } from '../scrub.ts';
import { asInfrastructure } from './errors.ts';
import { HSS_OUTCOME_KIND, hssOutcomePoller } from './outcome.ts';
import { type AttachmentFilter, hssPluginStatePoller } from './poll-batch.ts';
import { mapLimited, POLL_MAX_IDS } from './poll-chunks.ts';
import { type HssAction, PLUGIN_STATE_POLLER, type PluginStateParams } from './task.ts';
import { type HssRequest, HssTransport } from './transport.ts';
import type { HssPluginOperationInput, ValidHssOperation } from './validation.ts';
import {
  distinctHosts,
  listAttachmentsSchema,
  listPluginsSchema,
  toInstallation,
  toPlugin,
  type WireAttachment,
  type WireOperateBody,
  type WirePlugin,
} from './wire.ts';

export type { HssPluginOperationInput, ValidHssOperation } from './validation.ts';
export { startInputProblems, validateStartInput } from './validation.ts';

export interface HssClientOptions extends ClientOptions {
  /** `limit` of list calls, 10..200 as HSS allows; default 200 (fewest round trips). */
  readonly pageSize?: number;
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
  private readonly http: VendorHttp;
  private readonly transport: HssTransport;
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
    this.http = clientHttp('hss', config.url, options);
    this.transport = new HssTransport(config, this.http, this.scrubber);
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

  startPlugin(input: ValidHssOperation, write?: VendorWrite): Promise<Started> {
    return this.operate('start', input, write);
  }

  stopPlugin(input: ValidHssOperation, write?: VendorWrite): Promise<Started> {
    return this.operate('stop', input, write);
  }

  pollers(): Record<string, TaskPoller> {
    const reads = {
      maxIds: Math.min(POLL_MAX_IDS, this.pageSize),
      attachments: (code: string, scope: Scope, filter: AttachmentFilter) =>
        this.attachments(code, scope, this.http.deadline(), filter),
      scrub: (text: string | null | undefined) => this.scrubber.text(text),
    };
    return {
      [PLUGIN_STATE_POLLER]: hssPluginStatePoller(reads),
      [HSS_OUTCOME_KIND]: hssOutcomePoller(reads),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Lifecycle

  /** ListPlugins, one small page: the cheapest call that proves the credentials still work. */
  async ping(): Promise<void> {
    try {
      const res = await this.transport.send({
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

  private async operate(
    action: HssAction,
    input: ValidHssOperation,
    write?: VendorWrite,
  ): Promise<Started> {
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
    const params: PluginStateParams = {
      action,
      pluginCode: input.pluginCode,
      hostIds,
      projectId: scope.projectId,
      enterpriseProjectId: scope.enterpriseProjectId ?? null,
    };
    // Should the answer be lost, the hosts' plugin_status tells what became of it (outcome.ts).
    write?.reconcileBy({ kind: HSS_OUTCOME_KIND, params });
    await this.transport.send({
      method: 'POST',
      path: `/plugins/attachments/${action}`,
      operation: action === 'start' ? 'StartPlugin' : 'StopPlugin',
      ...scope,
      body,
      deadline,
      write,
    });
    return {
      poll: { kind: PLUGIN_STATE_POLLER, params },
      initial: { status: 'RUNNING', progress: 0 },
    };
  }

  private plugins(scope: Scope, deadline: number): Promise<WirePlugin[]> {
    return this.listAll(
      { method: 'GET', path: '/plugins', operation: 'ListPlugins', ...scope, deadline },
      listPluginsSchema,
      (p) => p.code,
    );
  }

  private attachments(
    pluginCode: string,
    scope: Scope,
    deadline: number,
    filter: AttachmentFilter = {},
  ): Promise<WireAttachment[]> {
    return this.listAll(
      {
        method: 'GET',
        path: '/plugins/attachments',
        operation: 'ListPluginStatus',
        ...scope,
        query: { plugin_code: pluginCode, host_ids: filter.hostIds, plugin_status: filter.status },
        deadline,
      },
      listAttachmentsSchema,
      (row) => row.host_id,
    );
  }

  /** ListPlugins of the configured project, every page: once per request (`reads`). */
  private catalogPlugins(reads?: object): Promise<WirePlugin[]> {
    return requestOnce(reads, 'hss.plugins', () =>
      this.plugins(this.scope(), this.http.deadline()),
    );
  }

  /**
   * ListPluginStatus of every plugin code: its rows do not name the plugin and the vendor has no
   * "all" call, so one list per code (the codes are distinct: listAll), PLUGIN_CONCURRENCY at a
   * time: a catalog of many plug-ins once sent every read at the vendor at once.
   */
  private allAttachments(reads?: object): Promise<{ code: string; row: WireAttachment }[]> {
    return requestOnce(reads, 'hss.attachments', async () => {
      const scope = this.scope();
      const deadline = this.http.deadline();
      const plugins = await this.catalogPlugins(reads);
      const lists = await mapLimited(plugins, PLUGIN_CONCURRENCY, async (p) =>
        (await this.attachments(p.code, scope, deadline)).map((row) => ({ code: p.code, row })),
      );
      return lists.flat();
    });
  }

  /**
   * Reads offset/limit pages until total_num rows came, each row once by `key`. The first page
   * says the total: the rest are then read PAGE_CONCURRENCY at a time (a 10,000-host status list
   * is 50 pages: sequential, their latencies would add up), kept in offset order. A page with no
   * row not seen before ends the reading (issue 26.3: a `total_num` of 499 over one row per page,
   * offset ignored, gave 499 copies of one plug-in and a status read for each).
   */
  private async listAll<T>(
    req: HssRequest,
    schema: z.ZodType<{
      data_list?: T[] | null | undefined;
      total_num?: number | null | undefined;
    }>,
    key: (row: T) => string,
  ): Promise<T[]> {
    const page = async (offset: number) => {
      const res = await this.transport.send({
        ...req,
        query: { ...req.query, offset: String(offset), limit: String(this.pageSize) },
      });
      const body = parseJson('hss', res, schema, `${req.operation} body`);
      return { list: body.data_list ?? [], total: body.total_num ?? 0 };
    };
    const first = await page(0);
    const stride = first.list.length;
    if (stride === 0 || stride >= first.total) return distinctBy(first.list, key);
    const pages = Math.ceil(first.total / stride) - 1;
    if (pages >= MAX_PAGES) throw this.pagedTooFar(req);
    const offsets = Array.from({ length: pages }, (_, i) => (i + 1) * stride);
    const seen = new Set(first.list.map(key));
    let repeating = false;
    const rest = await mapLimited(offsets, PAGE_CONCURRENCY, async (offset) => {
      if (repeating) return [];
      const { list } = await page(offset);
      const before = seen.size;
      for (const row of list) seen.add(key(row));
      if (seen.size === before) repeating = true; // later pages would repeat too
      return list;
    });
    // Rows added while the pages were read wait for the next read (the next snapshot refresh).
    return distinctBy(first.list.concat(...rest), key);
  }

  private pagedTooFar(req: HssRequest): BackendError {
    return new BackendError(
      'BACKEND_BAD_RESPONSE',
      'hss',
      `hss ${req.operation} kept paging past ${MAX_PAGES} pages`,
    );
  }
}

/** How many pages of one HSS list are read at once. */
const PAGE_CONCURRENCY = 4;
/** How many plug-ins' status lists are read at once. */
const PLUGIN_CONCURRENCY = 4;
