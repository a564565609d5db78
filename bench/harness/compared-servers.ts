import type { SimInfo } from '../sim.ts';
import { type Server, startBaseline, startPluginGraph } from './servers.ts';
import { READ } from './settings.ts';
import { gql, graphqlTarget, type Target } from './targets.ts';

/** The servers scenarios 1 and 2 compare, each in its own process, and the targets they load. */
export interface ComparedServers {
  readonly bare: Server;
  readonly apollo: Server;
  readonly pg: Server;
  /** direct, bare, Apollo, plugin-graph: the rows of the throughput and latency tables. */
  readonly targets: readonly Target[];
}

/** Starts the baselines and plugin-graph, and checks each answers the read before any load. */
export async function startComparedServers(
  info: SimInfo,
  direct: Target,
): Promise<ComparedServers> {
  const bare = await startBaseline('bench/bare-yoga.ts', info.hss);
  const apollo = await startBaseline('bench/apollo.ts', info.hss);
  const pg = await startPluginGraph(info);
  const targets: Target[] = [
    direct,
    graphqlTarget('bare graphql-yoga + undici Pool', bare.url, bare.child.pid),
    graphqlTarget('Apollo Server 5 + RESTDataSource', apollo.url, apollo.child.pid),
    graphqlTarget('plugin-graph', pg.url, pg.child.pid),
  ];
  for (const t of targets.slice(1)) {
    const check = await gql<{ data?: { plugins: { edges: unknown[] } } }>(t.url, READ);
    if (!check.data?.plugins.edges.length) throw new Error(`${t.name}: ${JSON.stringify(check)}`);
  }
  return { bare, apollo, pg, targets };
}
