import { randomUUID } from 'node:crypto';
import type { HssConfig } from '../../config/index.ts';
import { empty, json, Router } from '../simulator/router.ts';
import {
  type SimRequest,
  type SimResponse,
  type SimulatorServer,
  startSimulatorServer,
} from '../simulator/server.ts';
import {
  HSS_DEMO_PROJECT_ID,
  HSS_FIXTURES,
  type HssFixturePlugin,
  type HssFixtures,
} from './fixtures.ts';
import {
  authenticate,
  GATEWAY_MAX_URL_BYTES,
  gatewayErrors,
  hssError,
  invalid,
  newToken,
  requestUrl,
  urlTooLong,
} from './simulator-gateway.ts';
import { type HssRowView, HssSimState, type Row, rowBody } from './simulator-state.ts';
import { operateBodySchema, type WireAgentStatus, type WirePluginStatus } from './wire.ts';

export type { HssRowView } from './simulator-state.ts';

/**
 * Huawei Cloud HSS v5 Plugin Center on loopback: the API gateway's two auth modes (AK/SK
 * signatures checked exactly as the gateway does, IAM tokens that can expire), the project check,
 * plugins x hosts with the published status words, start/stop moving rows through
 * `starting`/`stopping` over time, and HSS error bodies. Status words: vendor-apis.md §3.
 */

export interface HssSimulatorOptions {
  /**
   * Time one start/stop step takes. 0 settles at the next request (tests); default 1000.
   * Tests that want to see `starting` use a long step and call `step()`.
   */
  readonly stepMs?: number;
  /** Which auth the gateway accepts; default both. */
  readonly auth?: 'aksk' | 'token' | 'both';
  readonly projectId?: string;
  readonly accessKey?: string;
  readonly secretKey?: string;
  readonly token?: string;
  /** Plugins, hosts and states; `hssFleet(n)` (fixtures.ts) builds a fleet of any size. */
  readonly fixtures?: HssFixtures;
  /** Rows per page the server returns at most, whatever `limit` asked (default 200). */
  readonly maxPageSize?: number;
  /** What a start/stop naming an offline host gets: a failing row (default) or 400 HSS.1007. */
  readonly offlineHosts?: 'fail' | 'reject';
  /** The gateway's clock (epoch ms), for the X-Sdk-Date check. */
  readonly now?: () => number;
  /** Lists answered as a misbehaving release or gateway answers them (issue 26.3). */
  readonly listFaults?: HssListFaults;
}

/** How the list answers misbehave; each applies to every page. */
export interface HssListFaults {
  /** Which list: ListPlugins, ListPluginStatus, or both (default). */
  readonly lists?: 'plugins' | 'attachments' | 'both';
  /** The `total_num` claimed instead of the true count. */
  readonly totalNum?: number;
  /** Every page is the first, whatever `offset` asked (a gateway dropping the query). */
  readonly ignoreOffset?: boolean;
  /** Each row of a page sent this many times over. */
  readonly repeatRows?: number;
}

export interface HssSimulator {
  /** What goes into HSS_URL. */
  readonly url: string;
  readonly server: SimulatorServer;
  readonly projectId: string;
  /** AK/SK config pointing at this simulator. */
  config(): HssConfig;
  /** IAM token config pointing at this simulator. */
  tokenConfig(): HssConfig;
  /** The IAM token passes its 24 hours: every call with it now gets 401 APIGW.0307. */
  expireToken(): void;
  /** Issues a fresh token (what an operator would paste into HSS_AUTH_TOKEN). */
  renewToken(): string;
  setAgentStatus(hostId: string, status: WireAgentStatus): void;
  setPluginStatus(code: string, hostId: string, status: WirePluginStatus, detail?: string): void;
  /** Rows of one plugin, as the simulator holds them right now. */
  hostsFor(code: string): HssRowView[];
  /** Completes every pending start/stop step at once, whatever `stepMs` says. */
  step(): void;
  close(): Promise<void>;
}

export async function startHssSimulator(options: HssSimulatorOptions = {}): Promise<HssSimulator> {
  const state = new HssRoutes(options);
  const server = await startSimulatorServer((req) => state.handle(req));
  state.attach(server);
  return state.facade(server);
}

class HssRoutes {
  readonly projectId: string;
  private readonly auth: 'aksk' | 'token' | 'both';
  private readonly accessKey: string;
  private readonly secretKey: string;
  private token: string;
  private tokenExpired = false;
  private readonly state: HssSimState;
  private readonly maxPageSize: number;
  private readonly offlineHosts: 'fail' | 'reject';
  private readonly now: () => number;
  private readonly listFaults: HssListFaults;
  private readonly route: (req: SimRequest) => SimResponse | Promise<SimResponse>;
  private url = '';

  constructor(options: HssSimulatorOptions) {
    const fixtures = options.fixtures ?? HSS_FIXTURES;
    this.projectId = options.projectId ?? HSS_DEMO_PROJECT_ID;
    this.auth = options.auth ?? 'both';
    this.accessKey = options.accessKey ?? 'HPUAXG5OJCKN5HV2MLDS';
    this.secretKey = options.secretKey ?? randomUUID().replace(/-/g, '');
    this.token = options.token ?? newToken();
    this.maxPageSize = options.maxPageSize ?? 200;
    this.offlineHosts = options.offlineHosts ?? 'fail';
    this.now = options.now ?? Date.now;
    this.listFaults = options.listFaults ?? {};
    this.state = new HssSimState(fixtures, options.stepMs ?? 1000, this.now);
    this.route = new Router()
      .on('GET', '/v5/:projectId/plugins', (req) => this.listPlugins(req))
      .on('GET', '/v5/:projectId/plugins/attachments', (req) => this.listAttachments(req))
      .on('POST', '/v5/:projectId/plugins/attachments/start', (req) => this.operate(req, 'start'))
      .on('POST', '/v5/:projectId/plugins/attachments/stop', (req) => this.operate(req, 'stop'))
      .handler(() => gatewayErrors.noApi());
  }

  attach(server: SimulatorServer): void {
    this.url = server.origin;
  }

  facade(server: SimulatorServer): HssSimulator {
    const base = { url: this.url, projectId: this.projectId };
    return {
      ...base,
      server,
      config: () => ({
        ...base,
        auth: { mode: 'aksk', accessKey: this.accessKey, secretKey: this.secretKey },
      }),
      tokenConfig: () => ({ ...base, auth: { mode: 'token', token: this.token } }),
      expireToken: () => {
        this.tokenExpired = true;
      },
      renewToken: () => {
        this.token = newToken();
        this.tokenExpired = false;
        return this.token;
      },
      setAgentStatus: (hostId, status) => this.state.setAgentStatus(hostId, status),
      setPluginStatus: (code, hostId, status, detail) =>
        this.state.setPluginStatus(code, hostId, status, detail),
      hostsFor: (code) => this.state.view(code),
      step: () => this.state.settle(Number.POSITIVE_INFINITY),
      close: () => server.close(),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Gateway: auth, then project, then the API

  handle(req: SimRequest): SimResponse | Promise<SimResponse> {
    // Like Huawei's gateway, a request line over the limit never reaches auth or HSS.
    if (Buffer.byteLength(requestUrl(req)) > GATEWAY_MAX_URL_BYTES) return urlTooLong();
    const denied = authenticate(req, {
      auth: this.auth,
      accessKey: this.accessKey,
      secretKey: this.secretKey,
      token: this.token,
      tokenExpired: this.tokenExpired,
      now: this.now,
    });
    if (denied) return denied;
    const projectId = /^\/v5\/([^/]+)\//.exec(req.path)?.[1];
    if (projectId === undefined) return gatewayErrors.noApi();
    if (decodeURIComponent(projectId) !== this.projectId) {
      return hssError(
        403,
        'HSS.0010',
        'Access denied: the project is not accessible with these credentials',
      );
    }
    const ep = req.query.get('enterprise_project_id');
    if (ep !== null && (ep.length < 1 || ep.length > 256)) return invalid('enterprise_project_id');
    this.state.settle();
    return this.route(req);
  }

  // -------------------------------------------------------------------------------------------
  // API

  private page(req: SimRequest): { offset: number; limit: number } | SimResponse {
    const offset = Number(req.query.get('offset') ?? '0');
    const limit = Number(req.query.get('limit') ?? '10');
    if (!Number.isInteger(offset) || offset < 0) return invalid('offset');
    if (!Number.isInteger(limit) || limit < 10 || limit > 200)
      return invalid('limit must be 10..200');
    return { offset, limit: Math.min(limit, this.maxPageSize) };
  }

  private listPlugins(req: SimRequest): SimResponse {
    const page = this.page(req);
    if ('status' in page) return page;
    const code = req.query.get('code');
    const name = req.query.get('name');
    const matching = this.state.plugins.filter(
      (p) =>
        (!code || p.code === code) && (!name || p.name.toLowerCase().includes(name.toLowerCase())),
    );
    const at = this.offset('plugins', page.offset);
    const data = matching.slice(at, at + page.limit).map((p) => this.pluginBody(p, req));
    return this.listBody('plugins', data, matching.length);
  }

  private pluginBody(p: HssFixturePlugin, req: SimRequest): Record<string, unknown> {
    const counts = this.visible(req) ? this.state.counts(p.code) : { installed: 0, rows: 0 };
    return {
      code: p.code,
      name: p.name,
      description: p.description,
      tags: p.tags,
      installed_attachment_num: counts.installed,
      uninstall_attachment_num: counts.rows - counts.installed,
      max_cpu_limit: p.maxCpuLimit,
      max_memory_limit: p.maxMemoryLimit,
      max_size: p.maxSize,
      display_mode: 1,
    };
  }

  private listAttachments(req: SimRequest): SimResponse {
    const page = this.page(req);
    if ('status' in page) return page;
    const code = req.query.get('plugin_code');
    if (!code) return invalid('plugin_code is required');
    if (!this.state.hasPlugin(code))
      return hssError(400, 'HSS.0011', `Plugin ${code} does not exist`);
    if (!this.visible(req)) return json(200, { data_list: [], total_num: 0 });
    const filter = {
      hostIds: req.query.getAll('host_ids'),
      status: req.query.get('plugin_status') || null,
    };
    const at = this.offset('attachments', page.offset);
    const { total, page: rows } = this.state.list(code, filter, at, page.limit);
    return this.listBody('attachments', rows.map(rowBody), total);
  }

  private faulty(list: 'plugins' | 'attachments'): boolean {
    const { lists = 'both' } = this.listFaults;
    return lists === 'both' || lists === list;
  }

  private offset(list: 'plugins' | 'attachments', asked: number): number {
    return this.faulty(list) && this.listFaults.ignoreOffset ? 0 : asked;
  }

  private listBody(list: 'plugins' | 'attachments', rows: unknown[], total: number): SimResponse {
    if (!this.faulty(list)) return json(200, { data_list: rows, total_num: total });
    const { repeatRows = 1, totalNum = total } = this.listFaults;
    const sent = repeatRows === 1 ? rows : rows.flatMap((row) => Array(repeatRows).fill(row));
    return json(200, { data_list: sent, total_num: totalNum });
  }

  private operate(req: SimRequest, action: 'start' | 'stop'): SimResponse {
    let parsed: unknown;
    try {
      parsed = JSON.parse(req.body);
    } catch {
      return invalid('request body is not JSON');
    }
    const body = operateBodySchema.safeParse(parsed);
    if (!body.success) return invalid('request body');
    const { plugin_code: code, operate_all: all = false, host_id_list: ids = [] } = body.data;
    if (code.length < 1 || code.length > 64) return invalid('plugin_code must be 1..64 characters');
    if (!this.state.hasPlugin(code))
      return hssError(400, 'HSS.0011', `Plugin ${code} does not exist`);
    const targets = all ? this.allTargets(req, code) : this.listedTargets(req, code, ids);
    if ('status' in targets) return targets;
    for (const row of targets) this.state.begin(row, action);
    return empty(200, { 'x-request-id': randomUUID() });
  }

  /** operate_all: every row of the plugin in scope that has it installed. */
  private allTargets(req: SimRequest, code: string): Row[] {
    return this.visible(req) ? this.state.installedRows(code) : [];
  }

  private listedTargets(
    req: SimRequest,
    code: string,
    ids: readonly string[],
  ): Row[] | SimResponse {
    if (ids.length === 0) return invalid('host_id_list is required when operate_all is false');
    if (ids.some((id) => id.length === 0)) return invalid('host_id_list contains an empty id');
    const visible = this.visible(req);
    const rows: Row[] = [];
    for (const id of ids) {
      const host = this.state.hosts.get(id);
      const row = visible ? this.state.rowOf(code, id) : undefined;
      if (!host || !row)
        return hssError(400, 'HSS.0011', `Server ${id} does not exist or does not support ${code}`);
      if (
        host.agentStatus === 'not_installed' ||
        host.agentStatus === 'install_failed' ||
        host.agentStatus === 'installing'
      ) {
        return hssError(400, 'HSS.1001', `No agent is installed on server ${id}`);
      }
      if (host.agentStatus === 'offline' && this.offlineHosts === 'reject') {
        return hssError(400, 'HSS.1007', `The agent on server ${id} is offline`);
      }
      rows.push(row);
    }
    return rows;
  }

  private visible(req: SimRequest): boolean {
    return this.state.inScope(req.query.get('enterprise_project_id'));
  }
}
