import type { SimulatorScale } from '../../config/simulator-scale.ts';
import { mix } from '../simulator/scale.ts';
import type { SdmFixtureMember, SdmFixturePlugin } from './fixtures.ts';

/**
 * SIMULATOR_SCALE's SDM: `sdmPlugins` plug-ins on a cluster of `members` members, statuses drawn
 * from a seeded hash so every start serves the same fleet. SDM answers whole plug-ins with their
 * members (vendor-apis.md §1), so members are built here; 200 members × 50 plug-ins is 10,000
 * small objects.
 */
export function sdmScaledFleet(
  scale: Pick<SimulatorScale, 'sdmPlugins' | 'members' | 'seed'>,
): SdmFixturePlugin[] {
  const plugins: SdmFixturePlugin[] = [];
  for (let p = 0; p < scale.sdmPlugins; p++) {
    const members: SdmFixtureMember[] = [];
    // A plug-in is installed on its members or only uploaded; a few members failed.
    const installed = mix(scale.seed, p) % 3 !== 0;
    for (let m = 0; m < scale.members; m++) {
      const failed = mix(scale.seed, p, m) % 100 === 0;
      members.push({
        ipAddress: `10.${100 + ((m >> 16) & 127)}.${(m >> 8) & 255}.${m & 255}`,
        clusterMemberStatus: 'ACTIVE',
        pluginStatus: failed ? 'FAILED' : installed ? 'INSTALLED' : 'UPLOADED',
        uploadedDate: '2024-03-11 09:14:02',
        lastModifiedDate: '2024-03-11 09:21:37',
      });
    }
    plugins.push({
      id: `ID${1001 + p}`,
      name: `Generated plug-in ${p}`,
      description: `Generated SDM plug-in number ${p} (SIMULATOR_SCALE)`,
      version: `9.${p % 10}.0.${mix(scale.seed, p, 7) % 9}`,
      packageName: `Generated${p}-9.0.0.zip`,
      product: `GEN${p}`,
      type: 'EMS',
      vendor: 'Oracle',
      emPluginAPIVersion: '3.0',
      restPrefixName: `gen${p}`,
      members,
    });
  }
  return plugins;
}
