import type { WireAgentStatus, WirePluginStatus } from './wire.ts';

/**
 * Demo data for the HSS simulator: the Plugin Center of one project with three plugins and six
 * servers (Linux and Windows, one agent offline). Addresses are private ranges, used as data only.
 */

export interface HssFixturePlugin {
  readonly code: string;
  readonly name: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly version: string;
  readonly maxCpuLimit: number;
  readonly maxMemoryLimit: number;
  readonly maxSize: number;
  /** OS types the plugin exists for; hosts of other OS types never get a row for it. */
  readonly osTypes: readonly ('Linux' | 'Windows')[];
}

export interface HssFixtureHost {
  readonly hostId: string;
  readonly hostName: string;
  readonly hostType: 'ecs' | 'bms' | 'outside';
  readonly privateIp: string;
  readonly publicIp: string;
  readonly osType: 'Linux' | 'Windows';
  readonly osName: string;
  readonly agentStatus: WireAgentStatus;
  readonly agentVersion: string;
}

/** Initial plugin_status per `${code}@${hostId}`; pairs not listed start `not_installed`. */
export type HssFixtureStates = Readonly<Record<string, WirePluginStatus>>;

export interface HssFixtures {
  readonly plugins: readonly HssFixturePlugin[];
  readonly hosts: readonly HssFixtureHost[];
  readonly states: HssFixtureStates;
  /**
   * Initial status of a pair `states` does not list (default `not_installed`): a generated fleet
   * (fixtures-scaled.ts) computes it instead of listing hosts × plugins entries.
   */
  readonly statusOf?: (plugin: HssFixturePlugin, hostIndex: number) => WirePluginStatus;
}

export const HSS_FIXTURES: HssFixtures = {
  plugins: [
    {
      code: 'ndr',
      name: 'Network Detection and Response',
      description:
        'Inspects east-west and north-south traffic of the server for intrusions and C2 beacons.',
      tags: ['network', 'detection'],
      version: '1.2.7',
      maxCpuLimit: 10,
      maxMemoryLimit: 512,
      maxSize: 96,
      osTypes: ['Linux'],
    },
    {
      code: 'edr',
      name: 'Endpoint Detection and Response',
      description: 'Process, file and registry telemetry with behaviour-based threat detection.',
      tags: ['endpoint', 'detection', 'response'],
      version: '3.4.1',
      maxCpuLimit: 20,
      maxMemoryLimit: 1024,
      maxSize: 210,
      osTypes: ['Linux', 'Windows'],
    },
    {
      code: 'antivirus',
      name: 'Antivirus',
      description: 'Signature and heuristic malware scanning, on access and scheduled.',
      tags: ['malware'],
      version: '2.1.0',
      maxCpuLimit: 30,
      maxMemoryLimit: 768,
      maxSize: 350,
      osTypes: ['Linux', 'Windows'],
    },
  ],
  hosts: [
    {
      hostId: '71a15ecc-049f-4cca-bd28-5e90aca1817f',
      hostName: 'ecs-web-prod-01',
      hostType: 'ecs',
      privateIp: '192.168.0.12',
      publicIp: '',
      osType: 'Linux',
      osName: 'EulerOS 2.0 SP10',
      agentStatus: 'online',
      agentVersion: '3.2.12',
    },
    {
      hostId: '0b3c6f0e-5a36-4cf3-9d6d-9a0d8e2f4c11',
      hostName: 'ecs-web-prod-02',
      hostType: 'ecs',
      privateIp: '192.168.0.13',
      publicIp: '',
      osType: 'Linux',
      osName: 'Ubuntu 22.04 server 64bit',
      agentStatus: 'online',
      agentVersion: '3.2.12',
    },
    {
      hostId: 'c4e8f2a1-7b2d-4f7e-8a63-2d51b0c9e7a4',
      hostName: 'ecs-db-mysql-01',
      hostType: 'ecs',
      privateIp: '192.168.10.21',
      publicIp: '',
      osType: 'Linux',
      osName: 'CentOS 7.9 64bit',
      agentStatus: 'online',
      agentVersion: '3.2.10',
    },
    {
      hostId: '9f1d3b7c-2e4a-4d6b-b8c0-6a5e4f3d2c1b',
      hostName: 'bms-hpc-node-07',
      hostType: 'bms',
      privateIp: '10.20.4.57',
      publicIp: '',
      osType: 'Linux',
      osName: 'Huawei Cloud EulerOS 2.0',
      agentStatus: 'offline',
      agentVersion: '3.2.9',
    },
    {
      hostId: '5d2a8e6f-1c3b-4e9a-a7d4-8b6c5e4f3a2d',
      hostName: 'ecs-win-ad-01',
      hostType: 'ecs',
      privateIp: '192.168.20.5',
      publicIp: '',
      osType: 'Windows',
      osName: 'Windows Server 2019 Datacenter 64bit',
      agentStatus: 'online',
      agentVersion: '4.0.22',
    },
    {
      hostId: 'e7b4c2d9-3f8a-4b1c-9e6d-4a2f8c7b5d3e',
      hostName: 'ecs-win-rds-02',
      hostType: 'ecs',
      privateIp: '192.168.20.6',
      publicIp: '',
      osType: 'Windows',
      osName: 'Windows Server 2022 Standard 64bit',
      agentStatus: 'online',
      agentVersion: '4.0.22',
    },
  ],
  states: {
    'ndr@71a15ecc-049f-4cca-bd28-5e90aca1817f': 'running',
    'ndr@0b3c6f0e-5a36-4cf3-9d6d-9a0d8e2f4c11': 'stopped',
    'ndr@c4e8f2a1-7b2d-4f7e-8a63-2d51b0c9e7a4': 'stopped',
    'ndr@9f1d3b7c-2e4a-4d6b-b8c0-6a5e4f3d2c1b': 'running',
    'edr@71a15ecc-049f-4cca-bd28-5e90aca1817f': 'running',
    'edr@0b3c6f0e-5a36-4cf3-9d6d-9a0d8e2f4c11': 'running',
    'edr@c4e8f2a1-7b2d-4f7e-8a63-2d51b0c9e7a4': 'running',
    'edr@9f1d3b7c-2e4a-4d6b-b8c0-6a5e4f3d2c1b': 'running',
    'edr@5d2a8e6f-1c3b-4e9a-a7d4-8b6c5e4f3a2d': 'running',
    'edr@e7b4c2d9-3f8a-4b1c-9e6d-4a2f8c7b5d3e': 'start_fail',
    'antivirus@5d2a8e6f-1c3b-4e9a-a7d4-8b6c5e4f3a2d': 'stopped',
    'antivirus@c4e8f2a1-7b2d-4f7e-8a63-2d51b0c9e7a4': 'installing',
  },
};

/** Demo / test project id (32 hex characters, like Huawei's). */
export const HSS_DEMO_PROJECT_ID = '2b31ed520xxxxxxebedb6e57xxxxxxxx'.replace(/x/g, '0');

/**
 * A generated fleet for tests at size: `hosts` Linux servers, all online, with the fixture `ndr`
 * plugin installed and stopped on every one, so an operateAll start moves all of them. Host ids
 * are uuids like ECS server ids (36 characters), so URLs grow as they would against Huawei.
 */
export function hssFleet(hosts: number): HssFixtures {
  const ndr = HSS_FIXTURES.plugins.find((p) => p.code === 'ndr');
  if (!ndr) throw new Error('hss fixtures: ndr plugin missing');
  const list: HssFixtureHost[] = [];
  const states: Record<string, WirePluginStatus> = {};
  for (let i = 0; i < hosts; i++) {
    const hostId = `0f1e2d3c-4b5a-4697-8a8b-${i.toString(16).padStart(12, '0')}`;
    list.push({
      hostId,
      hostName: `ecs-fleet-${String(i).padStart(5, '0')}`,
      hostType: 'ecs',
      privateIp: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
      publicIp: '',
      osType: 'Linux',
      osName: 'Huawei Cloud EulerOS 2.0',
      agentStatus: 'online',
      agentVersion: '3.2.12',
    });
    states[`ndr@${hostId}`] = 'stopped';
  }
  return { plugins: [ndr], hosts: list, states };
}
