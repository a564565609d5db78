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

/** Rows that are moving: an agent going offline does not interrupt them, the step decides. */
const MOVING = new Set<WirePluginStatus>(['starting', 'stopping']);

const DETAILS: Readonly<Record<string, string>> = {
  start_fail: 'Plugin process exited with code 1: insufficient memory (limit 1024 MB)',
  not_installed_start: 'The plugin is not installed on this server',
  offline_start: 'The agent is offline, the plugin could not be started',
};

export class HssSimState {
  readonly plugins: readonly HssFixturePlugin[];
  readonly hosts = new Map<string, HostState>();
  /** Rows in a stable order: plugin, then host, as fixtures list them. */
  private readonly rows: Row[] = [];

  constructor(
    fixtures: HssFixtures,
    /** Time one start/stop step takes. */
    private readonly stepMs: number,
    private readonly now: () => number,
  ) {
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
  }

  /** Rows in the enterprise project asked for; fixture hosts all live in the default one, `0`. */
  visible(enterpriseProjectId: string | null): Row[] {
    const ep = enterpriseProjectId;
    return ep === null || ep === '0' || ep === 'all_granted_eps' ? this.rows : [];
  }

  /** Rows of one plugin, settled first, as tests see them. */
  view(code: string): HssRowView[] {
    this.settle();
    return this.rows.filter((r) => r.plugin.code === code).map(rowView);
  }

  begin(row: Row, action: Action): void {
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
  settle(at: number = this.now()): void {
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

  setAgentStatus(hostId: string, status: WireAgentStatus): void {
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

  setPluginStatus(code: string, hostId: string, status: WirePluginStatus, detail?: string): void {
    const row = this.rows.find((r) => r.plugin.code === code && r.host.hostId === hostId);
    if (!row) throw new Error(`no row ${code}@${hostId}`);
    Object.assign(row, { status, detail: detail ?? DETAILS[status] ?? '', pending: undefined });
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
