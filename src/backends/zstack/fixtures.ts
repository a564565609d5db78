/**
 * Demo data for the ZStack simulator: plugin-driver inventories as a management node serves
 * them, and the plugin directory a refresh rescans. Uuids are ZStack-style (32 hex, no dashes)
 * and stable per driver, so a refresh restores a deleted driver under its old uuid.
 */

export interface ZstackDriverRow {
  uuid: string;
  name: string;
  type: string;
  vendor: string;
  features: string[];
  optionTypes: string[];
  license: string;
  version: string;
  description: string;
  createDate: string;
  lastOpDate: string;
  deleted: boolean;
}

export interface ZstackFixtures {
  /** The plugin-driver table at start. */
  readonly drivers: readonly ZstackDriverRow[];
  /** What the management nodes' plugin directories hold: refresh loads these. */
  readonly directory: readonly ZstackDriverRow[];
}

const prometheus: ZstackDriverRow = {
  uuid: 'e90949fe5ddd3e68a4646b97b812f905',
  name: 'prometheus',
  type: 'monitor',
  vendor: 'ZStack',
  features: ['metrics-export', 'alert-forwarding'],
  optionTypes: ['scrapeInterval', 'remoteWriteUrl'],
  license: 'Apache-2.0',
  version: '4.8.0',
  description: 'Prometheus exporter: exposes host, VM and storage metrics for scraping',
  createDate: 'Mar 3, 2024 10:12:44 AM',
  lastOpDate: 'Mar 3, 2024 10:12:44 AM',
  deleted: false,
};

const xsky: ZstackDriverRow = {
  uuid: '5c1d2b8e7a0f4e3c9b6d1a2f3e4c5b6a',
  name: 'xsky-sds',
  type: 'primary-storage',
  vendor: 'XSKY',
  features: ['block-volume', 'snapshot', 'thin-provisioning'],
  optionTypes: ['clusterUrl', 'poolName', 'accessKey'],
  license: 'commercial',
  version: '5.2.1',
  description: 'XSKY SDS primary storage driver (iSCSI / RBD block volumes)',
  createDate: 'Jan 18, 2024 3:40:02 PM',
  lastOpDate: 'Jun 2, 2024 9:05:17 AM',
  deleted: false,
};

const h3c: ZstackDriverRow = {
  uuid: '9a7f3c2d1e8b4f6a8c0d2e4f6a8b0c1d',
  name: 'h3c-sdn',
  type: 'sdn-controller',
  vendor: 'H3C',
  features: ['vxlan', 'distributed-routing', 'security-group-offload'],
  optionTypes: ['controllerIp', 'username', 'password', 'tenant'],
  license: 'commercial',
  version: '3.1.0',
  description: 'H3C SeerEngine-DC SDN controller integration for VPC networks',
  createDate: 'Feb 9, 2024 11:27:55 AM',
  lastOpDate: 'Feb 9, 2024 11:27:55 AM',
  deleted: false,
};

const ceph: ZstackDriverRow = {
  uuid: '2b4d6f8a0c1e3a5c7e9b1d3f5a7c9e0b',
  name: 'ceph-external',
  type: 'primary-storage',
  vendor: 'Ceph',
  features: ['block-volume', 'snapshot', 'clone'],
  optionTypes: ['monUrls', 'poolName', 'keyring'],
  license: 'LGPL-2.1',
  version: '18.2.4',
  description: 'External Ceph (Reef) RBD primary storage driver',
  createDate: 'Nov 21, 2023 4:02:10 PM',
  lastOpDate: 'May 14, 2024 2:48:31 PM',
  // Soft-deleted (Permissive) earlier: a refresh brings it back.
  deleted: true,
};

const sangfor: ZstackDriverRow = {
  uuid: '7e0c2a4b6d8f1a3c5e7b9d0f2a4c6e8b',
  name: 'sangfor-ngaf',
  type: 'firewall',
  vendor: 'Sangfor',
  features: ['north-south-firewall', 'ips'],
  optionTypes: ['managementIp', 'apiToken'],
  license: 'commercial',
  version: '8.0.85',
  description: 'Sangfor NGAF next-generation firewall service chaining',
  createDate: 'Jul 1, 2024 8:00:00 AM',
  lastOpDate: 'Jul 1, 2024 8:00:00 AM',
  deleted: false,
};

export const ZSTACK_FIXTURES: ZstackFixtures = {
  drivers: [prometheus, xsky, h3c, ceph],
  // The directory also holds a driver not loaded yet: a full refresh adds it.
  directory: [prometheus, xsky, h3c, { ...ceph, deleted: false }, sangfor],
};

/** Deep copies, so a simulator's state never leaks into the fixtures or another simulator. */
export function cloneRows(rows: readonly ZstackDriverRow[]): ZstackDriverRow[] {
  return rows.map((r) => ({ ...r, features: [...r.features], optionTypes: [...r.optionTypes] }));
}
