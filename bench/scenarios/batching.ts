import { pino } from 'pino';
import { startApplianceSimulator } from '../../src/backends/appliance/simulator.ts';
import { startHssSimulator } from '../../src/backends/hss/simulator.ts';
import { startKorapSimulator } from '../../src/backends/korap/simulator.ts';
import { startSdmSimulator } from '../../src/backends/sdm/simulator.ts';
import { startZstackSimulator } from '../../src/backends/zstack/simulator.ts';
import { type Config, loadConfig } from '../../src/config/index.ts';
import { createRuntime } from '../../src/runtime.ts';
import type { Out } from '../harness/markdown.ts';

/** The backend calls one GraphQL request cost, by backend, method and path. */
export interface Batching {
  readonly label: string;
  /** On a fresh server: the inventory refresh the request waited for (snapshots cold). */
  readonly cold: Readonly<Record<string, number>>;
  /** The same request again: answered from the snapshots. */
  readonly warm: Readonly<Record<string, number>>;
  readonly items: string;
}

function dataOf<T>(result: { data?: unknown; errors?: unknown }): T {
  if (!result.data) throw new Error(`no data: ${JSON.stringify(result.errors)}`);
  return result.data as T;
}

/**
 * Scenario 3: backend calls per request. In process (the counts do not depend on it): all five
 * simulators and a runtime.
 */
export async function measureBatching(): Promise<Batching[]> {
  const [sdm, zstack, hss, appliance, korap] = await Promise.all([
    startSdmSimulator(),
    startZstackSimulator(),
    startHssSimulator(),
    startApplianceSimulator(),
    startKorapSimulator(),
  ]);
  const sims = { sdm, zstack, hss, appliance, korap };
  const config: Config = {
    ...loadConfig({ PLUGIN_GRAPH_DEMO: '1' }),
    demo: false,
    backends: {
      sdm: sdm.config(),
      zstack: zstack.config(),
      hss: hss.config(),
      appliance: appliance.config(),
      korap: korap.config(),
    },
  };
  let runtime = createRuntime(config, pino({ level: 'silent' }));
  /**
   * A fresh runtime whose sessions are up (SDM cookie, ZStack session, appliance session: /readyz
   * pings every backend) and whose inventory snapshots are still empty.
   */
  const fresh = async () => {
    await runtime.close();
    runtime = createRuntime(config, pino({ level: 'silent' }));
    // A backend down keeps /readyz 200 ("degraded", SPEC §3): the body says whether all answered.
    const ready = await runtime.app.fetch('http://localhost/readyz');
    const { status } = (await ready.json()) as { status?: unknown };
    if (status !== 'ready') throw new Error(`batching: /readyz answered ${String(status)}`);
  };
  const post = async (query: string, variables?: unknown) => {
    const res = await runtime.app.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as {
      data?: Record<string, unknown>;
      errors?: unknown[];
    };
  };
  const counted = async (query: string, variables?: unknown) => {
    // Sessions are up first (login calls are not what batching is about): count one request.
    for (const s of Object.values(sims)) s.server.clearLog();
    const result = await post(query, variables);
    if (result.errors) throw new Error(`batching query failed: ${JSON.stringify(result.errors)}`);
    const calls: Record<string, number> = {};
    for (const [name, s] of Object.entries(sims)) {
      for (const r of s.server.requests) {
        const key = `${name} ${r.method} ${r.path.replace(/[0-9a-f-]{16,}|ID\d+/g, ':id')}`;
        calls[key] = (calls[key] ?? 0) + 1;
      }
    }
    return { result, calls };
  };
  /** One request on cold snapshots, then the same again. */
  const coldAndWarm = async (query: string, variables?: unknown) => {
    await fresh();
    const cold = await counted(query, variables);
    const warm = await counted(query, variables);
    return { result: warm.result, cold: cold.calls, warm: warm.calls };
  };
  const out: Batching[] = [];
  try {
    const tree = await coldAndWarm(
      '{ plugins { edges { node { name installations { edges { node { status host { name } } } } } } } }',
    );
    const { edges } = dataOf<{
      plugins: { edges: { node: { installations: { edges: unknown[] } } }[] };
    }>(tree.result).plugins;
    out.push({
      label: '`plugins { installations { host } }`',
      cold: tree.cold,
      warm: tree.warm,
      items: `${edges.length} plugins, ${edges.reduce((a, e) => a + e.node.installations.edges.length, 0)} installations`,
    });

    const ids = await post(
      '{ plugins { edges { node { id } } } hosts { edges { node { id } } } installations { edges { node { id } } } }',
    );
    const pick = (field: string, type: string) =>
      dataOf<Record<string, { edges: { node: { id: string } }[] }>>(ids)[field]!.edges.map((e) => ({
        __typename: type,
        id: e.node.id,
      }));
    const known = [
      ...pick('plugins', 'Plugin'),
      ...pick('hosts', 'Host'),
      ...pick('installations', 'Installation'),
    ];
    const reps = Array.from({ length: 100 }, (_, i) => known[i % known.length]);
    const entities = await coldAndWarm(
      `query($r: [_Any!]!) { _entities(representations: $r) {
        ... on Plugin { name } ... on Host { name } ... on Installation { status plugin { name } host { name } }
      } }`,
      { r: reps },
    );
    const resolved = dataOf<{ _entities: unknown[] }>(entities.result)._entities.filter(
      (e) => e !== null,
    );
    out.push({
      label: '`_entities`, 100 representations',
      cold: entities.cold,
      warm: entities.warm,
      items: `${known.length} distinct ids over Plugin, Host, Installation; ${resolved.length} resolved`,
    });
  } finally {
    await runtime.close();
    await Promise.all(Object.values(sims).map((s) => s.close()));
  }
  return out;
}

const total = (calls: Readonly<Record<string, number>>) =>
  Object.values(calls).reduce((a, b) => a + b, 0);

export function reportBatching(out: Out, batches: readonly Batching[]): void {
  out('## 3. Batching: backend calls for one request');
  out();
  out(
    'All five simulators, sessions up first (a fresh server, /readyz); every request a simulator',
  );
  out('received while one GraphQL request ran, by backend, method and path (ids folded to `:id`).');
  out('Cold: the first request on that server, which waits for the inventory refresh of every');
  out('endpoint it reads (`src/inventory/`); warm: the same request again, from the snapshots.');
  out();
  for (const b of batches) {
    out(`**${b.label}** (${b.items})`);
    out();
    out('| backend call | cold | warm |');
    out('| --- | ---: | ---: |');
    const keys = [...new Set([...Object.keys(b.cold), ...Object.keys(b.warm)])].sort();
    for (const k of keys) out(`| \`${k}\` | ${b.cold[k] ?? 0} | ${b.warm[k] ?? 0} |`);
    out(`| all | ${total(b.cold)} | ${total(b.warm)} |`);
    out();
  }
  out('Goal: warm, no call; cold, one call per backend per level. Level 1 (`plugins`) costs one');
  out(
    'list call per backend (KorAP two: its plugin status needs the installed list). Level 2 (`installations`, and',
  );
  out('`host` beneath it) costs at most one more per backend, whatever the number of parents, and');
  out('none where the vendor rows level 1 read already hold it: SDM’s plugin list carries the');
  out('members, KorAP’s installed list is read once per request (`requestOnce` in');
  out(
    'src/backends/request-once.ts). HSS has no "all installations" call: its ListPluginStatus is one',
  );
  out('call per plugin code (3 in the fixtures), the vendor API’s floor, not an N+1 over parents;');
  out('the codes come from the plugin list level 1 read. `_entities` groups its 100');
  out('representations per backend and type.');
  out();
}
