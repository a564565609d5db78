import type { BackendName } from './backend.ts';

/**
 * Vendor-neutral shapes. Each backend's `wire.ts` turns vendor bytes into these; the schema and
 * resolvers only ever see these. `nativeId` is the vendor's own id; our object id is
 * `${backend}:${nativeId}` (global ids add the type name and base64).
 */

/**
 * The statuses, as lists: the schema's enums and the zod codecs of stored rows (the Redis
 * inventory snapshot) are built from these, so they can never disagree.
 */
export const PLUGIN_STATUSES = [
  'AVAILABLE', // known to the platform, not installed anywhere (SDM UPLOADED, KorAP not installed)
  'INSTALLED', // installed / running on every target it has
  'PARTIAL', // installed or running on some targets only
  'IN_PROGRESS', // an operation is moving it
  'FAILED',
  'DELETED', // soft-deleted (ZStack Permissive)
  'UNKNOWN',
] as const;
export type PluginStatus = (typeof PLUGIN_STATUSES)[number];

export const HOST_STATUSES = ['ONLINE', 'OFFLINE', 'UNKNOWN'] as const;
export type HostStatus = (typeof HOST_STATUSES)[number];

export const INSTALLATION_STATUSES = [
  'NOT_INSTALLED',
  'INSTALLING',
  'INSTALLED',
  'STARTING',
  'RUNNING',
  'STOPPING',
  'STOPPED',
  'UPDATING',
  'UNINSTALLING',
  'FAILED',
  'OFFLINE',
  'UNKNOWN',
] as const;
export type InstallationStatus = (typeof INSTALLATION_STATUSES)[number];

/**
 * `endpoint` (SPEC §10), on Plugin, Host and Installation: set by the graph's catalog reads
 * (resolvers/catalog.ts) for an endpoint not named after its backend; absent means the endpoint
 * named after the backend, so environment-configured objects stay exactly as the client made them.
 */
export interface Plugin {
  readonly backend: BackendName;
  readonly endpoint?: string | undefined;
  readonly nativeId: string;
  readonly name: string;
  readonly description?: string | undefined;
  readonly version?: string | undefined;
  readonly vendor?: string | undefined;
  readonly status: PluginStatus;
  /** The vendor's own status word, unaltered. */
  readonly vendorStatus?: string | undefined;
  /** When the inventory snapshot it comes from was read from the vendor (src/inventory/). */
  readonly observedAt?: Date | undefined;
}

export interface Host {
  readonly backend: BackendName;
  readonly endpoint?: string | undefined;
  readonly nativeId: string;
  readonly name: string;
  readonly address?: string | undefined;
  readonly status: HostStatus;
  /** When the inventory snapshot it comes from was read from the vendor (src/inventory/). */
  readonly observedAt?: Date | undefined;
}

export interface Installation {
  readonly backend: BackendName;
  readonly endpoint?: string | undefined;
  /** Unique per endpoint, e.g. `${pluginNativeId}@${hostNativeId}`. */
  readonly nativeId: string;
  readonly pluginNativeId: string;
  readonly hostNativeId?: string | undefined;
  readonly superClientId?: string | undefined;
  readonly status: InstallationStatus;
  readonly vendorStatus?: string | undefined;
  readonly progress?: number | undefined;
  readonly installedAt?: Date | undefined;
  readonly updatedAt?: Date | undefined;
  /** When the inventory snapshot it comes from was read from the vendor (src/inventory/). */
  readonly observedAt?: Date | undefined;
}

export interface Update {
  /** The appliance it is offered by (SPEC §10), when not the one named `appliance`. */
  readonly endpoint?: string | undefined;
  readonly version: string;
  readonly type?: string | undefined;
  readonly severity?: string | undefined;
  readonly releaseDate?: Date | undefined;
  readonly rebootRequired?: boolean | undefined;
  readonly summary?: string | undefined;
}

/** The endpoint an object came from (SPEC §10): its own, or the one named after its backend. */
export function endpointOf(item: {
  readonly backend: BackendName;
  readonly endpoint?: string | undefined;
}): string {
  return item.endpoint ?? item.backend;
}
