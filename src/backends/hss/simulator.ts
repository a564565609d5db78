import { randomUUID } from 'node:crypto';
import type { HssConfig } from '../../config.ts';
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
  type HssFixtureHost,
  type HssFixturePlugin,
  type HssFixtures,
} from './fixtures.ts';
import { queryFromSearchParams, verify } from './signing.ts';
import { operateBodySchema, type WireAgentStatus, type WirePluginStatus } from './wire.ts';

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
  readonly fixtures?: HssFixtures;
  /** Rows per page the server returns at most, whatever `limit` asked (default 200). */
  readonly maxPageSize?: number;
  /** What a start/stop naming an offline host gets: a failing row (default) or 400 HSS.1007. */
  readonly offlineHosts?: 'fail' | 'reject';
  /** The gateway's clock (epoch ms), for the X-Sdk-Date check. */
  readonly now?: () => number;
}

export interface HssRowView {
  readonly hostId: string;
  readonly hostName: string;
  readonly agentStatus: WireAgentStatus;
  readonly pluginStatus: WirePluginStatus;
  readonly statusDetail: string;
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

interface PendingStep {
  readonly action: 'start' | 'stop';
  readonly dueAt: number;
}

interface Row {
  readonly plugin: HssFixturePlugin;
  readonly host: HostState;
  status: WirePluginStatus;
  detail: string;
  /** What an `offline` row goes back to when its agent comes back. */
  resume: WirePluginStatus | undefined;
  pending: PendingStep | undefined;
}

interface HostState extends Omit<HssFixtureHost, 'agentStatus'> {
  agentStatus: WireAgentStatus;
}

/** Rows that are moving: an agent going offline does not interrupt them, the step decides. */
const MOVING = new Set<WirePluginStatus>(['starting', 'stopping']);

const DETAILS: Readonly<Record<string, string>> = {
  start_fail: 'Plugin process exited with code 1: insufficient memory (limit 1024 MB)',
  not_installed_start: 'The plugin is not installed on this server',
  offline_start: 'The agent is offline, the plugin could not be started',
};

function hssError(status: number, code: string, msg: string): SimResponse {
  return json(status, { error_code: code, error_msg: msg }, { 'x-request-id': randomUUID() });
}

const gatewayErrors = {
  noAuth: () =>
    hssError(
      401,
      'APIGW.0301',
      'Incorrect IAM authentication information: Authorization not found',
    ),
  badToken: () =>
    hssError(401, 'APIGW.0301', 'Incorrect IAM authentication information: verify token failed'),
  expiredToken: () => hssError(401, 'APIGW.0307', 'The token must be updated.'),
  badSignature: (reason: string) =>
    hssError(
      401,
      'APIGW.0303',
      `Incorrect IAM authentication information: verify aksk signature fail, ${reason}`,
    ),
  noApi: () =>
    hssError(
      404,
      'APIGW.0101',
      'The API does not exist or has not been published in the environment',
    ),
};

const invalid = (what: string) => hssError(400, 'HSS.0001', `Invalid parameter: ${what}`);

export async function startHssSimulator(options: HssSimulatorOptions = {}): Promise<HssSimulator> {
  const state = new HssState(options);
  const server = await startSimulatorServer((req) => state.handle(req));
  state.attach(server);
  return state.facade(server);
}

class HssState {
  readonly projectId: string;
  private readonly stepMs: number;
  private readonly auth: 'aksk' | 'token' | 'both';
  private readonly accessKey: string;
  private readonly secretKey: string;
  private token: string;
  private tokenExpired = false;
  private readonly plugins: readonly HssFixturePlugin[];
  private readonly hosts = new Map<string, HostState>();
  /** Rows in a stable order: plugin, then host, as fixtures list them. */
  private readonly rows: Row[] = [];
  private readonly maxPageSize: number;
  private readonly offlineHosts: 'fail' | 'reject';
  private readonly now: () => number;
  private readonly route: (req: SimRequest) => SimResponse | Promise<SimResponse>;
  private url = '';

  constructor(options: HssSimulatorOptions) {
    const fixtures = options.fixtures ?? HSS_FIXTURES;
    this.projectId = options.projectId ?? HSS_DEMO_PROJECT_ID;
    this.stepMs = options.stepMs ?? 1000;
    this.auth = options.auth ?? 'both';
    this.accessKey = options.accessKey ?? 'HPUAXG5OJCKN5HV2MLDS';
    this.secretKey = options.secretKey ?? randomUUID().replace(/-/g, '');
    this.token = options.token ?? newToken();
    this.maxPageSize = options.maxPageSize ?? 200;
    this.offlineHosts = options.offlineHosts ?? 'fail';
    this.now = options.now ?? Date.now;
    this.plugins = fixtures.plugins;
    for (const h of fixtures.hosts) this.hosts.set(h.hostId, { ...h });
    for (const plugin of fixtures.plugins) {
      for (const host of this.hosts.values()) {
        if (!plugin.osTypes.includes(host.osType)) continue;
        const status = fixtures.states[`${plugin.code}@${host.hostId}`] ?? 'not_installed';
        const row: Row = {
          plugin,
          host,
          status,
          detail: DETAILS[status] ?? '',
          resume: undefined,
          pending: undefined,
        };
        if (host.agentStatus === 'offline') goOffline(row);
        this.rows.push(row);
      }
    }
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
      setAgentStatus: (hostId, status) => this.setAgentStatus(hostId, status),
      setPluginStatus: (code, hostId, status, detail) => {
        const row = this.row(code, hostId);
        if (!row) throw new Error(`no row ${code}@${hostId}`);
        Object.assign(row, { status, detail: detail ?? DETAILS[status] ?? '', pending: undefined });
      },
      hostsFor: (code) => {
        this.settle();
        return this.rows.filter((r) => r.plugin.code === code).map(rowView);
      },
      step: () => this.settle(Number.POSITIVE_INFINITY),
      close: () => server.close(),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Gateway: auth, then project, then the API

  handle(req: SimRequest): SimResponse | Promise<SimResponse> {
    const denied = this.authenticate(req);
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
    this.settle();
    return this.route(req);
  }

  private authenticate(req: SimRequest): SimResponse | undefined {
    const token = headerValue(req, 'x-auth-token');
    if (token !== undefined && this.auth !== 'aksk') {
      if (token !== this.token) return gatewayErrors.badToken();
      return this.tokenExpired ? gatewayErrors.expiredToken() : undefined;
    }
    const authorization = headerValue(req, 'authorization');
    if (authorization !== undefined && this.auth !== 'token') {
      const result = verify({
        request: {
          method: req.method,
          path: req.path,
          query: queryFromSearchParams(req.query),
          headers: flatHeaders(req),
          body: req.body,
        },
        authorization,
        secretFor: (ak) => (ak === this.accessKey ? this.secretKey : undefined),
        now: this.now(),
      });
      return result.ok ? undefined : gatewayErrors.badSignature(result.reason);
    }
    return gatewayErrors.noAuth();
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
    const matching = this.plugins.filter(
      (p) =>
        (!code || p.code === code) && (!name || p.name.toLowerCase().includes(name.toLowerCase())),
    );
    const data = matching
      .slice(page.offset, page.offset + page.limit)
      .map((p) => this.pluginBody(p, req));
    return json(200, { data_list: data, total_num: matching.length });
  }

  private pluginBody(p: HssFixturePlugin, req: SimRequest): Record<string, unknown> {
    const rows = this.visibleRows(req).filter((r) => r.plugin.code === p.code);
    const installed = rows.filter((r) => r.status !== 'not_installed').length;
    return {
      code: p.code,
      name: p.name,
      description: p.description,
      tags: p.tags,
      installed_attachment_num: installed,
      uninstall_attachment_num: rows.length - installed,
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
    if (!this.plugins.some((p) => p.code === code))
      return hssError(400, 'HSS.0011', `Plugin ${code} does not exist`);
    const hostIds = req.query.getAll('host_ids');
    const status = req.query.get('plugin_status');
    const matching = this.visibleRows(req).filter(
      (r) =>
        r.plugin.code === code &&
        (hostIds.length === 0 || hostIds.includes(r.host.hostId)) &&
        (!status || r.status === status),
    );
    const data = matching.slice(page.offset, page.offset + page.limit).map(rowBody);
    return json(200, { data_list: data, total_num: matching.length });
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
    if (!this.plugins.some((p) => p.code === code))
      return hssError(400, 'HSS.0011', `Plugin ${code} does not exist`);
    const targets = all ? this.allTargets(req, code) : this.listedTargets(req, code, ids);
    if ('status' in targets) return targets;
    for (const row of targets) this.begin(row, action);
    return empty(200, { 'x-request-id': randomUUID() });
  }

  /** operate_all: every row of the plugin in scope that has it installed. */
  private allTargets(req: SimRequest, code: string): Row[] {
    return this.visibleRows(req).filter(
      (r) => r.plugin.code === code && r.status !== 'not_installed',
    );
  }

  private listedTargets(
    req: SimRequest,
    code: string,
    ids: readonly string[],
  ): Row[] | SimResponse {
    if (ids.length === 0) return invalid('host_id_list is required when operate_all is false');
    if (ids.some((id) => id.length === 0)) return invalid('host_id_list contains an empty id');
    const visible = this.visibleRows(req);
    const rows: Row[] = [];
    for (const id of ids) {
      const host = this.hosts.get(id);
      const row = visible.find((r) => r.plugin.code === code && r.host.hostId === id);
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

  private begin(row: Row, action: 'start' | 'stop'): void {
    const dueAt = this.now() + this.stepMs;
    if (action === 'start') {
      if (row.status === 'running' && row.host.agentStatus === 'online') return;
      if (row.status === 'not_installed') {
        // Plugin Center has no install API: starting what is not there fails on that host.
        Object.assign(row, { status: 'start_fail', detail: DETAILS.not_installed_start });
        return;
      }
      Object.assign(row, { status: 'starting', detail: '', pending: { action, dueAt } });
      return;
    }
    if (row.host.agentStatus === 'offline') {
      goOffline(row);
      return;
    }
    if (row.status === 'stopped' || row.status === 'not_installed') return;
    Object.assign(row, { status: 'stopping', detail: '', pending: { action, dueAt } });
  }

  /** Applies every step due by `at` (default now). */
  private settle(at: number = this.now()): void {
    for (const row of this.rows) {
      if (!row.pending || row.pending.dueAt > at) continue;
      const { action } = row.pending;
      row.pending = undefined;
      if (action === 'stop') {
        if (row.host.agentStatus === 'offline') goOffline(row);
        else Object.assign(row, { status: 'stopped', detail: '' });
      } else if (row.host.agentStatus === 'offline') {
        Object.assign(row, { status: 'start_fail', detail: DETAILS.offline_start });
      } else {
        Object.assign(row, { status: 'running', detail: '' });
      }
    }
  }

  private setAgentStatus(hostId: string, status: WireAgentStatus): void {
    const host = this.hosts.get(hostId);
    if (!host) throw new Error(`no host ${hostId}`);
    host.agentStatus = status;
    for (const row of this.rows) {
      if (row.host !== host || row.pending) continue;
      if (status === 'offline') goOffline(row);
      else if (status === 'online' && row.status === 'offline') {
        Object.assign(row, { status: row.resume ?? 'running', resume: undefined });
      }
    }
  }

  private row(code: string, hostId: string): Row | undefined {
    return this.rows.find((r) => r.plugin.code === code && r.host.hostId === hostId);
  }

  /** Rows in the enterprise project asked for; fixture hosts all live in the default one, `0`. */
  private visibleRows(req: SimRequest): Row[] {
    const ep = req.query.get('enterprise_project_id');
    return ep === null || ep === '0' || ep === 'all_granted_eps' ? this.rows : [];
  }
}

function goOffline(row: Row): void {
  if (row.status === 'not_installed' || row.status === 'offline' || MOVING.has(row.status)) return;
  row.resume = row.status;
  row.status = 'offline';
  row.detail = '';
}

function rowBody(r: Row): Record<string, unknown> {
  const installing = r.status === 'installing';
  return {
    host_id: r.host.hostId,
    host_name: r.host.hostName,
    host_type: r.host.hostType,
    private_ip: r.host.privateIp,
    public_ip: r.host.publicIp,
    host_status: r.host.agentStatus === 'offline' ? 'SHUTOFF' : 'ACTIVE',
    agent_status: r.host.agentStatus,
    agent_version: r.host.agentVersion,
    os_type: r.host.osType,
    os_name: r.host.osName,
    plugin_status: r.status,
    plugin_version: r.status === 'not_installed' ? '' : r.plugin.version,
    status_detail: r.detail,
    install_progress: installing ? '45%' : r.status === 'not_installed' ? '0%' : '100%',
    remaining_time: installing ? '120' : '0',
  };
}

function rowView(r: Row): HssRowView {
  return {
    hostId: r.host.hostId,
    hostName: r.host.hostName,
    agentStatus: r.host.agentStatus,
    pluginStatus: r.status,
    statusDetail: r.detail,
  };
}

function headerValue(req: SimRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function flatHeaders(req: SimRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(',') : v;
  }
  return out;
}

function newToken(): string {
  // Real IAM tokens are long opaque strings starting MII...; the shape does not matter here.
  return `MIIsim${randomUUID().replace(/-/g, '')}${randomUUID().replace(/-/g, '')}`;
}
