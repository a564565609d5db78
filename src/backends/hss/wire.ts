import { z } from 'zod';
import type {
  Host,
  HostStatus,
  Installation,
  InstallationStatus,
  Plugin,
  PluginStatus,
} from '../../domain/model.ts';
import { detailText, longText, shortText } from '../wire-limits.ts';

/**
 * HSS v5 Plugin Center bodies (vendor-apis.md §3) and their mapping to our domain shapes.
 * Vendor field names stop here. Schemas validate what we use and tolerate what we do not:
 * HSS adds fields freely and leaves many of them null, so most are `nullish`. Every string we
 * keep is bounded (wire-limits.ts): one past its bound makes the answer BACKEND_BAD_RESPONSE.
 */

const text = shortText.nullish();
/** Huawei sends some counters as numbers and some SDK versions as numeric strings. */
const count = z.union([z.number(), shortText]).nullish();

export const pluginSchema = z.looseObject({
  code: shortText.min(1),
  name: shortText.nullish(),
  description: longText.nullish(),
  tags: z.array(shortText).nullish(),
  installed_attachment_num: count,
  uninstall_attachment_num: count,
  max_cpu_limit: count,
  max_memory_limit: count,
  max_size: count,
  display_mode: z.union([shortText, z.number()]).nullish(),
});
export type WirePlugin = z.output<typeof pluginSchema>;

export const listPluginsSchema = z.looseObject({
  data_list: z.array(pluginSchema).nullish(),
  total_num: z.number().int().nonnegative().nullish(),
});

/** `plugin_status` words, as published (src). Unknown words are kept and map to UNKNOWN. */
export const PLUGIN_STATUSES = [
  'not_installed',
  'installing',
  'install_fail',
  'starting',
  'running',
  'start_fail',
  'offline',
  'stopping',
  'stopped',
  'updating',
  'update_fail',
  'uninstalling',
  'uninstall_fail',
] as const;
export type WirePluginStatus = (typeof PLUGIN_STATUSES)[number];

export const AGENT_STATUSES = [
  'not_installed',
  'online',
  'offline',
  'install_failed',
  'installing',
] as const;
export type WireAgentStatus = (typeof AGENT_STATUSES)[number];

export const attachmentSchema = z.looseObject({
  host_id: shortText.min(1),
  host_name: text,
  host_type: text,
  private_ip: text,
  public_ip: text,
  host_status: text,
  agent_status: text,
  agent_version: text,
  os_type: text,
  os_name: text,
  plugin_status: text,
  plugin_version: text,
  status_detail: detailText.nullish(),
  install_progress: z.union([shortText, z.number()]).nullish(),
  remaining_time: z.union([shortText, z.number()]).nullish(),
});
export type WireAttachment = z.output<typeof attachmentSchema>;

export const listAttachmentsSchema = z.looseObject({
  data_list: z.array(attachmentSchema).nullish(),
  total_num: z.number().int().nonnegative().nullish(),
});

/** Every HSS and API-gateway error body. */
export const errorSchema = z.looseObject({
  error_code: shortText.min(1),
  error_msg: detailText.nullish(),
});
export type WireError = z.output<typeof errorSchema>;

/** Body of StartPlugin / StopPlugin. */
export interface WireOperateBody {
  readonly plugin_code: string;
  readonly operate_all: boolean;
  readonly host_id_list: readonly string[];
}

export const operateBodySchema = z.looseObject({
  plugin_code: z.string(),
  operate_all: z.boolean().optional(),
  host_id_list: z.array(z.string()).optional(),
});

// ---------------------------------------------------------------------------------------------
// Mapping to the domain

const INSTALLATION_STATUS: Readonly<Record<WirePluginStatus, InstallationStatus>> = {
  not_installed: 'NOT_INSTALLED',
  installing: 'INSTALLING',
  install_fail: 'FAILED',
  starting: 'STARTING',
  running: 'RUNNING',
  start_fail: 'FAILED',
  offline: 'OFFLINE',
  stopping: 'STOPPING',
  stopped: 'STOPPED',
  updating: 'UPDATING',
  update_fail: 'FAILED',
  uninstalling: 'UNINSTALLING',
  uninstall_fail: 'FAILED',
};

export function isPluginStatus(value: string): value is WirePluginStatus {
  return (PLUGIN_STATUSES as readonly string[]).includes(value);
}

export function installationStatus(pluginStatus: string | null | undefined): InstallationStatus {
  return pluginStatus && isPluginStatus(pluginStatus)
    ? INSTALLATION_STATUS[pluginStatus]
    : 'UNKNOWN';
}

export function hostStatus(agentStatus: string | null | undefined): HostStatus {
  if (agentStatus === 'online') return 'ONLINE';
  if (agentStatus === 'offline') return 'OFFLINE';
  return 'UNKNOWN';
}

/** `"45%"`, `"45"`, `45` -> 45, clamped to 0..100; anything else -> undefined. */
export function parseProgress(value: string | number | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  const n = typeof value === 'number' ? value : Number.parseFloat(value.replace('%', '').trim());
  if (!Number.isFinite(n)) return undefined;
  return Math.min(100, Math.max(0, Math.round(n)));
}

function toCount(value: string | number | null | undefined): number {
  const n = typeof value === 'number' ? value : Number(value ?? 0);
  return Number.isFinite(n) ? n : 0;
}

/** From the attachment counters: nowhere -> AVAILABLE, everywhere -> INSTALLED, else PARTIAL. */
export function pluginStatus(p: WirePlugin): PluginStatus {
  const installed = toCount(p.installed_attachment_num);
  const missing = toCount(p.uninstall_attachment_num);
  if (installed === 0) return 'AVAILABLE';
  return missing === 0 ? 'INSTALLED' : 'PARTIAL';
}

export function toPlugin(p: WirePlugin): Plugin {
  return {
    backend: 'hss',
    nativeId: p.code,
    name: p.name ?? p.code,
    description: p.description ?? undefined,
    vendor: 'Huawei Cloud',
    status: pluginStatus(p),
  };
}

export function toHost(row: WireAttachment): Host {
  return {
    backend: 'hss',
    nativeId: row.host_id,
    name: row.host_name ?? row.host_id,
    address: row.private_ip ?? row.public_ip ?? undefined,
    status: hostStatus(row.agent_status),
  };
}

export function installationId(pluginCode: string, hostId: string): string {
  return `${pluginCode}@${hostId}`;
}

export function toInstallation(pluginCode: string, row: WireAttachment): Installation {
  return {
    backend: 'hss',
    nativeId: installationId(pluginCode, row.host_id),
    pluginNativeId: pluginCode,
    hostNativeId: row.host_id,
    status: installationStatus(row.plugin_status),
    vendorStatus: row.plugin_status ?? undefined,
    progress: parseProgress(row.install_progress),
  };
}

/** Distinct hosts of a set of rows, first occurrence wins (rows repeat a host once per plugin). */
export function distinctHosts(rows: readonly WireAttachment[]): Host[] {
  const seen = new Map<string, Host>();
  for (const row of rows) if (!seen.has(row.host_id)) seen.set(row.host_id, toHost(row));
  return [...seen.values()];
}
