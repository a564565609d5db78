import type { SimInfo } from '../sim.ts';
import { type Server, startBaseline, startPluginGraph } from './servers.ts';
import { ENCODINGS_ASKED, READ } from './settings.ts';
import { gql, graphqlTarget, type Target } from './targets.ts';

export interface ReadAnswer {
  readonly bytes: number;
  readonly encoding: string;
}

/** The servers scenarios 1 and 2 compare, each in its own process, and the targets they load. */
export interface ComparedServers {
  readonly bare: Server;
  readonly apollo: Server;
  readonly pg: Server;
  /** bare graphql-yoga answering the same list from memory: Yoga's own ceiling on the read. */
  readonly bareFromMemory: Server;
  /** plugin-graph with PLUGIN_GRAPH_JIT=false: what graphql-jit is worth, side by side. */
  readonly pgWithoutJit: Server;
  /** direct, bare, Apollo, plugin-graph: the rows of the throughput and latency tables. */
  readonly targets: readonly Target[];
  /**
   * Section 1 only: plugin-graph's target with `Accept-Encoding: gzip, br`, as browsers and most
   * clients send it (src/http/compress-answer.ts), alternated with it (scenarios/encoding.ts).
   */
  readonly withEncoding: Target;
  /** plugin-graph's answer to the read: its size, and the coding it left in with that header. */
  readonly readAnswer: ReadAnswer;
  /** Section 1 only, after those four: bare from memory, plugin-graph without graphql-jit. */
  readonly ceilings: readonly Target[];
  stop(): Promise<void>;
}

/** Starts the baselines and plugin-graph, and checks each answers the read before any load. */
export async function startComparedServers(
  info: SimInfo,
  direct: Target,
): Promise<ComparedServers> {
  const bare = await startBaseline('bench/bare-yoga.ts', info.hss);
  const apollo = await startBaseline('bench/apollo.ts', info.hss);
  const pg = await startPluginGraph(info);
  const bareFromMemory = await startBaseline('bench/bare-yoga.ts', info.hss, {
    BARE_FROM_MEMORY: '1',
  });
  const pgWithoutJit = await startPluginGraph(info, { PLUGIN_GRAPH_JIT: 'false' });
  const targets: Target[] = [
    direct,
    graphqlTarget('bare graphql-yoga + undici Pool', bare.url, bare.child.pid),
    graphqlTarget('Apollo Server 5 + RESTDataSource', apollo.url, apollo.child.pid),
    graphqlTarget('plugin-graph', pg.url, pg.child.pid),
  ];
  const asked = graphqlTarget(
    `plugin-graph, Accept-Encoding: ${ENCODINGS_ASKED}`,
    pg.url,
    pg.child.pid,
  );
  const withEncoding = {
    ...asked,
    headers: { ...asked.headers, 'accept-encoding': ENCODINGS_ASKED },
  };
  const ceilings: Target[] = [
    graphqlTarget(
      'bare graphql-yoga, answer from memory',
      bareFromMemory.url,
      bareFromMemory.child.pid,
    ),
    graphqlTarget('plugin-graph, graphql-jit off', pgWithoutJit.url, pgWithoutJit.child.pid),
  ];
  for (const t of [...targets.slice(1), ...ceilings]) {
    const check = await gql<{ data?: { plugins: { edges: unknown[] } } }>(t.url, READ);
    if (!check.data?.plugins.edges.length) throw new Error(`${t.name}: ${JSON.stringify(check)}`);
  }
  // The read with Accept-Encoding: its answer's size, and whether it left compressed.
  const sample = await fetch(withEncoding.url + withEncoding.path, {
    method: 'POST',
    headers: withEncoding.headers,
    body: withEncoding.body,
  });
  const readAnswer = {
    bytes: Buffer.byteLength(await sample.text()),
    encoding: sample.headers.get('content-encoding') ?? 'identity',
  };
  return {
    bare,
    apollo,
    pg,
    bareFromMemory,
    pgWithoutJit,
    targets,
    withEncoding,
    readAnswer,
    ceilings,
    async stop() {
      await Promise.all([bare, apollo, pg, bareFromMemory, pgWithoutJit].map((s) => s.stop()));
    },
  };
}
