import type { HostStatus, InstallationStatus, PluginStatus } from '../../domain/model.ts';

/**
 * SDM's status words and what they mean here. Only `UPLOADED` and `INSTALLED` (`pluginStatus`)
 * and `ACTIVE` (`clusterMemberStatus`) are published (vendor-apis.md §1); the rest are guesses,
 * so every reader tolerates case, blanks and words it has never seen.
 */

/** What these rules read of a cluster member. */
interface MemberStatus {
  readonly pluginStatus?: string | undefined;
}

/** `pluginStatus` words: UPLOADED and INSTALLED are documented, the rest are our guesses. */
const INSTALLATION_STATUS: Readonly<Record<string, InstallationStatus>> = {
  UPLOADED: 'NOT_INSTALLED',
  INSTALLED: 'INSTALLED',
  INSTALLING: 'INSTALLING',
  UNINSTALLING: 'UNINSTALLING',
  REPLACING: 'UPDATING',
  RECOVERING: 'INSTALLING',
  FAILED: 'FAILED',
};

export function normalizeStatus(raw: string | undefined): string {
  return (raw ?? '').trim().toUpperCase();
}

/**
 * A member an action is still moving. The full status set is unpublished, so any `…ING` word
 * (`UPGRADING`, `PENDING`) counts too: better to keep polling than to call a task finished.
 */
export function isTransitional(raw: string | undefined): boolean {
  const status = normalizeStatus(raw);
  return status !== '' && status !== 'INSTALLED' && status !== 'UPLOADED' && status.endsWith('ING');
}

export function installationStatus(raw: string | undefined): InstallationStatus {
  return INSTALLATION_STATUS[normalizeStatus(raw)] ?? 'UNKNOWN';
}

export function hostStatus(raw: string | undefined): HostStatus {
  const status = normalizeStatus(raw);
  if (status === 'ACTIVE' || status === 'ONLINE' || status === 'UP') return 'ONLINE';
  if (['INACTIVE', 'OFFLINE', 'DOWN', 'UNREACHABLE', 'STANDBY_DOWN'].includes(status))
    return 'OFFLINE';
  return 'UNKNOWN';
}

/** Aggregate over the cluster; transitional first (the picture is still moving), then failure. */
export function pluginStatus(members: readonly MemberStatus[]): PluginStatus {
  const statuses = members.map((m) => normalizeStatus(m.pluginStatus));
  // Uploaded but on no member: known to SDM, installed nowhere.
  if (statuses.length === 0) return 'AVAILABLE';
  if (statuses.some((s) => isTransitional(s))) return 'IN_PROGRESS';
  if (statuses.includes('FAILED')) return 'FAILED';
  if (statuses.every((s) => s === 'INSTALLED')) return 'INSTALLED';
  if (statuses.every((s) => s === 'UPLOADED')) return 'AVAILABLE';
  if (statuses.includes('INSTALLED')) return 'PARTIAL';
  return 'UNKNOWN';
}

/** The members' common raw status, or their distinct statuses as a comma list. */
export function pluginVendorStatus(members: readonly MemberStatus[]): string | undefined {
  const distinct = [...new Set(members.map((m) => m.pluginStatus ?? '').filter((s) => s !== ''))];
  return distinct.length === 0 ? undefined : distinct.join(',');
}
