import type { SimulatorScale } from '../../config/simulator-scale.ts';
import { mix } from '../simulator/scale.ts';
import {
  HSS_FIXTURES,
  type HssFixtureHost,
  type HssFixturePlugin,
  type HssFixtures,
} from './fixtures.ts';
import type { WirePluginStatus } from './wire.ts';

/**
 * SIMULATOR_SCALE's HSS fleet: `hosts` servers × `plugins` plugin codes, every status drawn from
 * a seeded hash of (plugin, host), so the fleet is the same on every start and no per-row state
 * is stored until a row changes (simulator-state.ts keeps only changed rows). Hosts are plain
 * objects (a few hundred bytes each); the rows, hosts × plugins, are never all in memory.
 */
export function hssScaledFleet(
  scale: Pick<SimulatorScale, 'hosts' | 'plugins' | 'seed'>,
): HssFixtures {
  const { seed } = scale;
  const plugins: HssFixturePlugin[] = [];
  for (let i = 0; i < scale.plugins; i++) {
    const base = HSS_FIXTURES.plugins[i];
    const code = base?.code ?? `plugin-${String(i).padStart(4, '0')}`;
    plugins.push(
      base ?? {
        code,
        name: `Generated plugin ${i}`,
        description: `Generated Plugin Center plugin number ${i} (SIMULATOR_SCALE).`,
        tags: ['generated'],
        version: `1.${i % 10}.${mix(seed, i) % 20}`,
        maxCpuLimit: 10 + (i % 3) * 10,
        maxMemoryLimit: 256 * (1 + (i % 4)),
        maxSize: 64 + (i % 5) * 32,
        // Every fourth plugin is Linux-only, as ndr and wtp are: not every host has every row.
        osTypes: i % 4 === 3 ? ['Linux'] : ['Linux', 'Windows'],
      },
    );
  }
  const hosts: HssFixtureHost[] = [];
  for (let i = 0; i < scale.hosts; i++) {
    const r = mix(seed, 1_000_003, i);
    const windows = r % 5 === 0;
    hosts.push({
      hostId: `0f1e2d3c-4b5a-4697-8a8b-${i.toString(16).padStart(12, '0')}`,
      hostName: `ecs-fleet-${String(i).padStart(6, '0')}`,
      hostType: r % 7 === 0 ? 'bms' : 'ecs',
      privateIp: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
      publicIp: '',
      osType: windows ? 'Windows' : 'Linux',
      osName: windows ? 'Windows Server 2022 Datacenter' : 'Huawei Cloud EulerOS 2.0',
      // One host in fifty has its agent offline, as a real fleet always has a few.
      agentStatus: r % 50 === 1 ? 'offline' : 'online',
      agentVersion: '3.2.12',
    });
  }
  const pluginIndex = new Map(plugins.map((p, i) => [p.code, i]));
  return {
    plugins,
    hosts,
    states: {},
    statusOf: (plugin, hostIndex) =>
      scaledStatus(seed, pluginIndex.get(plugin.code) ?? 0, hostIndex),
  };
}

/** Per (plugin, host): mostly running, some stopped or absent, a few failed or installing. */
function scaledStatus(seed: number, plugin: number, host: number): WirePluginStatus {
  const r = mix(seed, plugin, host) % 100;
  if (r < 55) return 'running';
  if (r < 75) return 'stopped';
  if (r < 95) return 'not_installed';
  if (r < 98) return 'start_fail';
  return 'installing';
}
