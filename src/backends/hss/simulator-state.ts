import type { HssFixtureHost, HssFixturePlugin, HssFixtures } from './fixtures.ts';
import type { WireAgentStatus, WirePluginStatus } from './wire.ts';

/**
 * The HSS simulator's state: one row per (plugin, host) the plugin's OS types allow, with the
 * published status words (vendor-apis.md §3), and how start/stop and agents going offline move
 * those rows over time. No HTTP here: the routes (simulator.ts) read and change rows through this.
 */

export interface HssRowView {
  readonly hostId: string;
  readonly hostName: string;
  readonly agentStatus: WireAgentStatus;
  readonly pluginStatus: WirePluginStatus;
  readonly statusDetail: string;
}

type Action = 'start' | 'stop';

interface PendingStep {
  readonly action: Action;
  readonly dueAt: number;
}

export interface Row {
  readonly plugin: HssFixturePlugin;
  readonly host: HostState;
  status: WirePluginStatus;
  detail: string;
  /** What an `offline` row goes back to when its agent comes back. */
  resume: WirePluginStatus | undefined;
  pending: PendingStep | undefined;
}

export interface HostState extends Omit<HssFixtureHost, 'agentStatus'> {
  agentStatus: WireAgentStatus;
}

/** Which rows of one plugin a ListPluginStatus call asks for. */
export interface RowFilter {
  readonly hostIds: readonly string[];
  readonly status: string | null;
}

/** Rows that are moving: an agent going offline does not interrupt them, the step decides. */
const MOVING = new Set<WirePluginStatus>(['starting', 'stopping']);

const DETAILS: Readonly<Record<string, string>> = {
  start_fail: 'Plugin process exited with code 1: insufficient memory (limit 1024 MB)',
  not_installed_start: 'The plugin is not installed on this server',
  offline_start: 'The agent is offline, the plugin could not be started',
};

/**
 * Rows are computed, not stored: a row nobody changed is derived from the fixtures each time it
 * is read, and only changed rows (started, stopped, set by a test) are kept. So 10,000 hosts × 50
 * plugins cost the hosts and the changed rows, and a page costs its own rows (SIMULATOR_SCALE).
 */
export class HssSimState {
  readonly plugins: readonly HssFixturePlugin[];
  readonly hosts = new Map<string, HostState>();
  private readonly hostList: HostState[] = [];
  private readonly hostIndex = new Map<string, number>();
  private readonly pluginIndex = new Map<string, number>();
  /** Per plugin, the indices of the hosts whose OS it exists for, in fixture order (lazily). */
  private readonly eligible: (Int32Array | undefined)[] = [];
  /** Rows that differ from what the fixtures give, by `${plugin}:${host}` index. */
  private readonly kept = new Map<string, Row>();
  private readonly moving = new Set<Row>();
  /** Bumped on every change: cached installed counts stay valid while it holds. */
  private version = 0;
  private readonly installedCounts = new Map<number, { version: number; installed: number }>();

  constructor(
    private readonly fixtures: HssFixtures,
    /** Time one start/stop step takes. */
    private readonly stepMs: number,
    private readonly now: () => number,
  ) {
    this.plugins = fixtures.plugins;
    for (const [i, p] of fixtures.plugins.entries()) this.pluginIndex.set(p.code, i);
    for (const h of fixtures.hosts) {
      const host = { ...h };
      this.hostIndex.set(h.hostId, this.hostList.length);
      this.hostList.push(host);
      this.hosts.set(h.hostId, host);
    }
  }

  /** Fixture hosts all live in the default enterprise project, `0`. */
  inScope(enterpriseProjectId: string | null): boolean {
    const ep = enterpriseProjectId;
    return ep === null || ep === '0' || ep === 'all_granted_eps';
  }

  hasPlugin(code: string): boolean {
    return this.pluginIndex.has(code);
  }

  /** One plugin's rows matching `filter`: how many, and the page asked for (only it is built). */
  list(
    code: string,
    filter: RowFilter,
    offset: number,
    limit: number,
  ): { total: number; page: Row[] } {
    const p = this.pluginIndex.get(code);
    if (p === undefined) return { total: 0, page: [] };
    let hosts: ArrayLike<number> = this.eligibleHosts(p);
    if (filter.hostIds.length > 0) {
      const wanted = new Set<number>();
      for (const id of filter.hostIds) {
        const h = this.hostIndex.get(id);
        if (h !== undefined && this.supports(p, h)) wanted.add(h);
      }
      hosts = Int32Array.from(wanted).sort();
    }
    if (filter.status === null) {
      const page: Row[] = [];
      for (let i = offset; i < Math.min(hosts.length, offset + limit); i++)
        page.push(this.row(p, hosts[i] as number));
      return { total: hosts.length, page };
    }
    let total = 0;
    const page: Row[] = [];
    for (let i = 0; i < hosts.length; i++) {
      const row = this.row(p, hosts[i] as number);
      if (row.status !== filter.status) continue;
      if (total >= offset && page.length < limit) page.push(row);
      total++;
    }
    return { total, page };
  }

  /** The row of a plugin on a host, or undefined when either is unknown or the OS lacks it. */
  rowOf(code: string, hostId: string): Row | undefined {
    const p = this.pluginIndex.get(code);
    const h = this.hostIndex.get(hostId);
    if (p === undefined || h === undefined || !this.supports(p, h)) return undefined;
    return this.row(p, h);
  }

  /** Every row of the plugin that has it installed (operate_all's targets). */
  installedRows(code: string): Row[] {
    const p = this.pluginIndex.get(code);
    if (p === undefined) return [];
    const rows: Row[] = [];
    for (const h of this.eligibleHosts(p)) {
      const row = this.row(p, h);
      if (row.status !== 'not_installed') rows.push(row);
    }
    return rows;
  }

  /** Hosts with the plugin present and absent (ListPlugins' counts), cached until a change. */
  counts(code: string): { installed: number; rows: number } {
    const p = this.pluginIndex.get(code);
    if (p === undefined) return { installed: 0, rows: 0 };
    const hosts = this.eligibleHosts(p);
    let cached = this.installedCounts.get(p);
    if (cached?.version !== this.version) {
      let installed = 0;
      for (const h of hosts) if (this.row(p, h).status !== 'not_installed') installed++;
      cached = { version: this.version, installed };
      this.installedCounts.set(p, cached);
    }
    return { installed: cached.installed, rows: hosts.length };
  }

  /** Rows of one plugin, settled first, as tests see them. */
  view(code: string): HssRowView[] {
    this.settle();
    const p = this.pluginIndex.get(code);
    if (p === undefined) return [];
    return Array.from(this.eligibleHosts(p), (h) => rowView(this.row(p, h)));
  }

  begin(row: Row, action: Action): void {
    const dueAt = this.now() + this.stepMs;
    if (action === 'start') {
      if (row.status === 'running' && row.host.agentStatus === 'online') return;
      if (row.status === 'not_installed') {
        // Plugin Center has no install API: starting what is not there fails on that host.
        this.change(row, { status: 'start_fail', detail: DETAILS.not_installed_start });
        return;
      }
      this.change(row, { status: 'starting', detail: '', pending: { action, dueAt } });
      return;
    }
    if (row.host.agentStatus === 'offline') {
      goOffline(this.keep(row));
      this.version++;
      return;
    }
    if (row.status === 'stopped' || row.status === 'not_installed') return;
    this.change(row, { status: 'stopping', detail: '', pending: { action, dueAt } });
  }

  /** Applies every step due by `at` (default now). Only moving rows are looked at. */
  settle(at: number = this.now()): void {
    for (const row of this.moving) {
      if (!row.pending || row.pending.dueAt > at) continue;
      const { action } = row.pending;
      this.change(row, { pending: undefined });
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

  setAgentStatus(hostId: string, status: WireAgentStatus): void {
    const host = this.hosts.get(hostId);
    if (!host) throw new Error(`no host ${hostId}`);
    const h = this.hostIndex.get(hostId) as number;
    // Rows are derived from the host's agent status: pin this host's rows before it changes.
    for (let p = 0; p < this.plugins.length; p++)
      if (this.supports(p, h)) this.keep(this.row(p, h));
    host.agentStatus = status;
    this.version++;
    for (const row of this.kept.values()) {
      if (row.host !== host || row.pending) continue;
      if (status === 'offline') goOffline(row);
      else if (status === 'online' && row.status === 'offline') {
        Object.assign(row, { status: row.resume ?? 'running', resume: undefined });
      }
    }
  }

  setPluginStatus(code: string, hostId: string, status: WirePluginStatus, detail?: string): void {
    const row = this.rowOf(code, hostId);
    if (!row) throw new Error(`no row ${code}@${hostId}`);
    this.change(row, { status, detail: detail ?? DETAILS[status] ?? '', pending: undefined });
  }

  private change(given: Row, patch: Partial<Row>): void {
    // A row read twice before its first change (a host listed twice) is one row: the kept one.
    const row = this.keep(given);
    Object.assign(row, patch);
    if (row.pending) this.moving.add(row);
    else this.moving.delete(row);
    this.version++;
  }

  private keep(row: Row): Row {
    const key = this.keyOf(row);
    const kept = this.kept.get(key);
    if (kept) return kept;
    this.kept.set(key, row);
    return row;
  }

  private keyOf(row: Row): string {
    return `${this.pluginIndex.get(row.plugin.code)}:${this.hostIndex.get(row.host.hostId)}`;
  }

  /** The kept row, or the row as the fixtures give it (a fresh object, not kept). */
  private row(p: number, h: number): Row {
    const kept = this.kept.get(`${p}:${h}`);
    if (kept) return kept;
    const plugin = this.plugins[p] as HssFixturePlugin;
    const host = this.hostList[h] as HostState;
    const status =
      this.fixtures.states[`${plugin.code}@${host.hostId}`] ??
      this.fixtures.statusOf?.(plugin, h) ??
      'not_installed';
    const row: Row = {
      plugin,
      host,
      status,
      detail: DETAILS[status] ?? '',
      resume: undefined,
      pending: undefined,
    };
    if (host.agentStatus === 'offline') goOffline(row);
    return row;
  }

  private supports(p: number, h: number): boolean {
    const plugin = this.plugins[p] as HssFixturePlugin;
    return plugin.osTypes.includes((this.hostList[h] as HostState).osType);
  }

  private eligibleHosts(p: number): Int32Array {
    let hosts = this.eligible[p];
    if (!hosts) {
      const list: number[] = [];
      for (let h = 0; h < this.hostList.length; h++) if (this.supports(p, h)) list.push(h);
      hosts = Int32Array.from(list);
      this.eligible[p] = hosts;
    }
    return hosts;
  }
}

function goOffline(row: Row): void {
  if (row.status === 'not_installed' || row.status === 'offline' || MOVING.has(row.status)) return;
  row.resume = row.status;
  row.status = 'offline';
  row.detail = '';
}

/** One ListPluginStatus entry. */
export function rowBody(r: Row): Record<string, unknown> {
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
