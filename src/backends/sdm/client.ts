import type { SdmConfig } from '../../config/index.ts';
import { BackendRejectedError, NotFoundError, ValidationError } from '../../domain/errors.ts';
import type { Host, Installation, Plugin } from '../../domain/model.ts';
import type { Started, TaskPoller } from '../../tasks/types.ts';
import type { VendorWrite } from '../../tasks/vendor-write.ts';
import type { BackendClient, Catalog, ClientOptions, Inventory } from '../catalog.ts';
import { BackendError, badResponse } from '../errors.ts';
import { clientHttp, type VendorHttp } from '../http.ts';
import { inFlightOf } from '../in-flight.ts';
import { requestOnce } from '../request-once.ts';
import { mapLimited } from '../rows.ts';
import { type SessionCall, SharedSession, sessionCall } from '../session.ts';
import { isSdmAction, SDM_ACTIONS, type SdmAction } from './actions.ts';
import { SDM_OUTCOME_KIND, sdmActionOutcomePoller } from './outcome.ts';
import { SDM_POLL_KIND, sdmActionPoller } from './poll-batch.ts';
import { failure, readXml, sessionCookie } from './responses.ts';
import {
  actionBody,
  distinctHosts,
  loginBody,
  pluginInfoDocument,
  pluginListDocument,
  type SdmMember,
  type SdmPluginInfo,
  toInstallation,
  toPlugin,
} from './wire.ts';

const XML = 'application/xml';
/** Plug-ins per list page. Paging parameter names are unpublished (`offset`/`limit` guessed). */
const PAGE_SIZE = 500;
/** A server that ignores paging must not make us loop. */
const MAX_PAGES = 100;
/** Get Plug-in Information calls of one catalog read in flight at once. */
const INFO_CONCURRENCY = 4;

/** One plug-in with the state of each cluster member, as Get Plug-in Information gives it. */
export interface SdmPluginDetail {
  readonly plugin: Plugin;
  /** One Installation per cluster member. */
  readonly members: Installation[];
  readonly hosts: Host[];
}

interface CatalogEntry {
  readonly info: SdmPluginInfo;
  readonly members: readonly SdmMember[];
}

/**
 * Oracle SDM REST (vendor-apis.md §1), in XML. Session cookie from `POST /admin/login`, renewed
 * once on 401, closed on `close()`. The plug-in list carries each plug-in's cluster members
 * (the inner `pluginInfos` hold whole `pluginInfo`s), so plug-ins, hosts and installations all
 * come from ONE list call; a list entry without any member element is completed by Get Plug-in
 * Information, in case a release trims the list.
 */
export class SdmClient implements Catalog, BackendClient {
  private readonly http: VendorHttp;
  private readonly session = new SharedSession((deadline) => this.createSession(deadline));
  /** One call with the session cookie, renewed once on 401 (session.ts). */
  private readonly call: SessionCall;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly config: SdmConfig,
    options: ClientOptions,
  ) {
    this.http = clientHttp(
      'sdm',
      `${config.url.replace(/\/+$/, '')}/${config.apiVersion}`,
      options,
    );
    this.call = sessionCall({
      http: this.http,
      session: this.session,
      headers: (id) => ({ accept: XML, cookie: `JSESSIONID=${id}` }),
      failure,
    });
  }

  async listPlugins(reads?: object): Promise<Plugin[]> {
    return (await this.catalog(reads)).map((e) => toPlugin(e.info, e.members));
  }

  async listHosts(reads?: object): Promise<Host[]> {
    return distinctHosts((await this.catalog(reads)).map((e) => e.members));
  }

  async listInstallations(reads?: object): Promise<Installation[]> {
    return (await this.catalog(reads)).flatMap((e) =>
      e.members.map((m) => toInstallation(e.info.id, m)),
    );
  }

  /** Hosts and installations from one list call. */
  async listInventory(reads?: object): Promise<Inventory> {
    const entries = await this.catalog(reads);
    return {
      hosts: distinctHosts(entries.map((e) => e.members)),
      installations: entries.flatMap((e) => e.members.map((m) => toInstallation(e.info.id, m))),
    };
  }

  /** Get Plug-in Information; NotFoundError on 404. */
  async getPlugin(pluginId: string): Promise<SdmPluginDetail> {
    const info = await this.fetchInfo(pluginId);
    const members = info.members ?? [];
    return {
      plugin: toPlugin(info, members),
      members: members.map((m) => toInstallation(info.id, m)),
      hosts: distinctHosts([members]),
    };
  }

  /**
   * Perform a Plug-in Action. 200 (newer docs) and 202 (older) both mean accepted; progress is
   * only visible by polling the plug-in, hence the `sdm.pluginAction` poll spec. Should its
   * answer be lost, the plug-in's members tell what became of it (outcome.ts).
   */
  async startAction(pluginId: string, action: SdmAction, write?: VendorWrite): Promise<Started> {
    if (!isSdmAction(action)) {
      throw new ValidationError([
        { path: ['action'], message: `must be one of ${SDM_ACTIONS.join(', ')}` },
      ]);
    }
    write?.reconcileBy({ kind: SDM_OUTCOME_KIND, params: { pluginId, action } });
    try {
      await this.call(
        {
          method: 'POST',
          path: `/admin/plugins/${encodeURIComponent(pluginId)}/action`,
          headers: { 'content-type': XML },
          body: actionBody(action),
          operation: 'performPluginAction',
          write,
        },
        [200, 202],
        () => undefined,
        () => new NotFoundError('Plugin', pluginId),
      );
    } catch (err) {
      if (err instanceof BackendRejectedError && err.httpStatus === 400) {
        // SDM says nothing more than 400; the usual reason is the one-action-at-a-time rule.
        throw new BackendRejectedError(
          `SDM refused to ${action} plug-in ${pluginId} (HTTP 400): another action may still be running on it`,
          'sdm',
          err.vendorCode,
          400,
        );
      }
      throw err;
    }
    return {
      poll: { kind: SDM_POLL_KIND, params: { pluginId, action } },
      initial: { status: 'RUNNING', progress: 0 },
    };
  }

  /** Plug-in action polls, batched: one read per round for every live action (poll-batch.ts). */
  pollers(): Record<string, TaskPoller> {
    return {
      [SDM_POLL_KIND]: sdmActionPoller({
        list: () => this.listAll(this.http.deadline()),
        info: (pluginId) => this.fetchInfo(pluginId),
        pageSize: PAGE_SIZE,
      }),
      [SDM_OUTCOME_KIND]: sdmActionOutcomePoller((pluginId) => this.fetchInfo(pluginId)),
    };
  }

  /** The cheapest authenticated call: one plug-in of the list (logs in first if needed). */
  async ping(): Promise<void> {
    await this.call(
      { method: 'GET', path: '/admin/plugins', query: { limit: 1 }, operation: 'ping' },
      [200],
      (res) => readXml(res, pluginListDocument, 'plug-in list'),
    );
  }

  /** Logs out (best effort) and closes the pool; later calls share the first. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const id = await this.session.take();
    if (id !== undefined) {
      await this.http
        .request({
          method: 'POST',
          path: '/admin/logout',
          headers: { accept: XML, cookie: `JSESSIONID=${id}` },
          operation: 'logout',
        })
        .catch(() => undefined); // we are leaving either way
    }
    await this.http.close();
  }

  /** The plugin list with members: read once per request (`reads`), shared while in flight. */
  private catalog(reads?: object): Promise<CatalogEntry[]> {
    return requestOnce(reads, 'sdm.catalog', () =>
      inFlightOf(this).run('sdm.catalog', () => this.loadCatalog()),
    );
  }

  private async loadCatalog(): Promise<CatalogEntry[]> {
    const deadline = this.http.deadline();
    const infos = await this.listAll(deadline);
    // A list without members costs one read per plug-in: a few at a time, not all at once.
    return mapLimited(infos, INFO_CONCURRENCY, async (info) => ({
      info,
      members: info.members ?? (await this.fetchInfo(info.id, deadline)).members ?? [],
    }));
  }

  /**
   * Every page of Get All Plug-ins. The next offset is the page's own `pageInfo.offset` plus its
   * size, which is right whether the server counts from 0 or (as one doc example hints) from 1.
   */
  private async listAll(deadline: number): Promise<SdmPluginInfo[]> {
    const all: SdmPluginInfo[] = [];
    const seen = new Set<string>();
    let offset: number | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const doc = await this.call(
        {
          method: 'GET',
          path: '/admin/plugins',
          query: { offset, limit: PAGE_SIZE },
          operation: 'listPlugins',
          deadline,
        },
        [200],
        (res) => readXml(res, pluginListDocument, 'plug-in list'),
      );
      const items = doc.pluginInfos.pluginInfos ?? [];
      const fresh = items.filter((i) => !seen.has(i.id));
      for (const info of fresh) {
        seen.add(info.id);
        all.push(info);
      }
      // Only a full page of new plug-ins means there may be more.
      if (items.length < PAGE_SIZE || fresh.length === 0) break;
      offset = (doc.pluginInfos.pageInfo?.offset ?? offset ?? 0) + items.length;
    }
    return all;
  }

  private async fetchInfo(pluginId: string, deadline?: number): Promise<SdmPluginInfo> {
    const doc = await this.call(
      {
        method: 'GET',
        path: `/admin/plugins/${encodeURIComponent(pluginId)}`,
        operation: 'getPluginInfo',
        ...(deadline === undefined ? {} : { deadline }),
      },
      [200],
      (res) => readXml(res, pluginInfoDocument, 'plug-in'),
      () => new NotFoundError('Plugin', pluginId),
    );
    return doc.pluginInfo;
  }

  private async createSession(deadline: number): Promise<string> {
    const res = await this.http.request({
      method: 'POST',
      path: '/admin/login',
      headers: { accept: XML, 'content-type': XML },
      body: loginBody(this.config.username, this.config.password),
      operation: 'login',
      idempotent: true, // a repeated login only opens another session
      deadline,
    });
    if (res.status === 401 || res.status === 403) {
      throw new BackendError('BACKEND_AUTH_FAILED', 'sdm', 'SDM refused our credentials', {
        vendorCode: String(res.status),
        httpStatus: res.status,
      });
    }
    if (res.status !== 200 && res.status !== 201 && res.status !== 204) {
      throw failure(res, 'login');
    }
    const id = sessionCookie(res);
    if (id === undefined) throw badResponse('sdm', 'login answer (no JSESSIONID cookie)');
    return id;
  }
}
