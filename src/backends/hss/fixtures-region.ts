import { HSS_FIXTURES, type HssFixtures } from './fixtures.ts';

/**
 * Demo data for a second HSS region (demo mode's `hss-ap`): another project with other servers
 * and a plugin the first region does not have, so a fleet view shows which region holds what.
 */

const edr = HSS_FIXTURES.plugins.find((p) => p.code === 'edr');
if (!edr) throw new Error('hss fixtures: edr plugin missing');

export const HSS_REGION_FIXTURES: HssFixtures = {
  plugins: [
    edr,
    {
      code: 'wtp',
      name: 'Web Tamper Protection',
      description:
        'Locks web directories and restores tampered files of the sites the server hosts.',
      tags: ['web', 'protection'],
      version: '1.0.4',
      maxCpuLimit: 10,
      maxMemoryLimit: 256,
      maxSize: 64,
      osTypes: ['Linux'],
    },
  ],
  hosts: [
    {
      hostId: '3a7c9e1b-5d2f-4a8c-b6e4-1f0d2c3b4a51',
      hostName: 'ecs-shop-ap-01',
      hostType: 'ecs',
      privateIp: '172.16.4.21',
      publicIp: '',
      osType: 'Linux',
      osName: 'Huawei Cloud EulerOS 2.0',
      agentStatus: 'online',
      agentVersion: '3.2.14',
    },
    {
      hostId: '8e2d4f6a-1b3c-4d5e-9f7a-2c4e6a8b0d92',
      hostName: 'ecs-shop-ap-02',
      hostType: 'ecs',
      privateIp: '172.16.4.22',
      publicIp: '',
      osType: 'Linux',
      osName: 'CentOS 7.9 64bit',
      agentStatus: 'online',
      agentVersion: '3.2.14',
    },
    {
      hostId: 'b5f1a3c7-9d2e-4f6a-8c1b-3e5d7f9a1c23',
      hostName: 'bms-erp-ap-01',
      hostType: 'bms',
      privateIp: '172.16.8.5',
      publicIp: '',
      osType: 'Windows',
      osName: 'Windows Server 2022 Datacenter',
      agentStatus: 'offline',
      agentVersion: '3.2.10',
    },
  ],
  states: {
    'edr@3a7c9e1b-5d2f-4a8c-b6e4-1f0d2c3b4a51': 'running',
    'edr@8e2d4f6a-1b3c-4d5e-9f7a-2c4e6a8b0d92': 'stopped',
    'edr@b5f1a3c7-9d2e-4f6a-8c1b-3e5d7f9a1c23': 'running',
    'wtp@3a7c9e1b-5d2f-4a8c-b6e4-1f0d2c3b4a51': 'running',
  },
};

/** The second demo region's project id (32 hex characters). */
export const HSS_REGION_PROJECT_ID = '7c41de830000000fa1b2c3d400000000';
