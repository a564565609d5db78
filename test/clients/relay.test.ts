import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createClient } from 'graphql-ws';
import {
  type ConcreteRequest,
  commitMutation,
  createOperationDescriptor,
  Environment,
  type FetchFunction,
  fetchQuery,
  type GraphQLResponse,
  getRequest,
  getSelector,
  Network,
  Observable,
  type ReaderFragment,
  RecordSource,
  requestSubscription,
  Store,
  type SubscribeFunction,
} from 'relay-runtime';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import WebSocket from 'ws';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.ts';

/**
 * Relay as a frontend uses it (issue 28): relay-compiler 21 compiles a small project against the
 * shipped schema.client.graphql, then relay-runtime's Environment runs the generated artifacts
 * against `npm start` in demo mode: queries over Node's fetch, the subscription over graphql-ws.
 */

const clientSchema = fileURLToPath(new URL('../../schema.client.graphql', import.meta.url));

/** The documents of the fixture project, as a Relay app writes them in its source files. */
const SOURCES: Record<string, string> = {
  'PluginsList.ts': `import { graphql } from 'relay-runtime';
export const page = graphql\`
  query PluginsPageQuery($count: Int!) {
    ...PluginsList_query @arguments(count: $count)
  }
\`;
export const list = graphql\`
  fragment PluginsList_query on Query
  @argumentDefinitions(count: { type: "Int!" }, cursor: { type: "String" })
  @refetchable(queryName: "PluginsListPaginationQuery") {
    plugins(first: $count, after: $cursor) @connection(key: "PluginsList_plugins") {
      edges { node { id ...PluginCard_plugin } }
    }
  }
\`;
`,
  'PluginCard.ts': `import { graphql } from 'relay-runtime';
export const card = graphql\`
  fragment PluginCard_plugin on Plugin @refetchable(queryName: "PluginCardRefetchQuery") {
    id name version status observedAt
  }
\`;
`,
  'Install.ts': `import { graphql } from 'relay-runtime';
export const install = graphql\`
  mutation InstallUpdateMutation($endpoint: String!, $version: String!) {
    installUpdate(input: { endpoint: $endpoint, version: $version }) {
      __typename
      ... on InstallUpdatePayload { task { id status progress } }
      ... on Error { code message }
    }
  }
\`;
export const progress = graphql\`
  subscription TaskProgressSubscription($id: ID!) {
    taskProgress(id: $id) { id status progress completedAt error { code message } }
  }
\`;
`,
};

const ARTIFACTS = [
  'InstallUpdateMutation',
  'PluginCardRefetchQuery',
  'PluginCard_plugin',
  'PluginsListPaginationQuery',
  'PluginsList_query',
  'PluginsPageQuery',
  'TaskProgressSubscription',
].map((name) => `${name}.graphql.ts`);

let project: string;
let compiled: { code: number; output: string };
let server: ServerProcess;

/** relay-compiler's native binary for this platform (the package ships one per platform). */
function relayBinary(): string {
  const bin: unknown = createRequire(import.meta.url)('relay-compiler');
  if (typeof bin !== 'string')
    throw new Error(`relay-compiler has no binary for ${process.platform}`);
  return bin;
}

beforeAll(async () => {
  project = mkdtempSync(join(tmpdir(), 'plugin-graph-relay-'));
  mkdirSync(join(project, 'src'));
  mkdirSync(join(project, '__generated__'));
  for (const [file, text] of Object.entries(SOURCES))
    writeFileSync(join(project, 'src', file), text);
  // The recipe of docs/clients.md, with the schema at its path in this repository.
  writeFileSync(
    join(project, 'relay.config.json'),
    JSON.stringify({
      src: './src',
      schema: clientSchema,
      language: 'typescript',
      artifactDirectory: './__generated__',
      customScalarTypes: { DateTime: 'string', JSON: 'unknown' },
    }),
  );
  compiled = await promisify(execFile)(relayBinary(), [], { cwd: project }).then(
    ({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }),
    (err: { code?: number; stdout?: string; stderr?: string }) => ({
      code: err.code ?? -1,
      output: `${err.stdout ?? ''}${err.stderr ?? ''}`,
    }),
  );
  // `npm start` with no backend configured: demo mode, its simulators in-process.
  server = await startServerProcess({}, 60_000);
}, 90_000);

afterAll(async () => {
  server?.proc.kill('SIGTERM');
  await server?.exited;
  if (project) rmSync(project, { recursive: true, force: true });
});

/** A generated artifact, imported as the app's bundler would. */
async function artifact<T extends ConcreteRequest | ReaderFragment>(name: string): Promise<T> {
  const module = (await import(join(project, '__generated__', `${name}.graphql.ts`))) as {
    default: T;
  };
  return module.default;
}

/**
 * The Environment of docs/clients.md: queries and mutations POSTed with fetch, subscriptions
 * over graphql-ws; `sent` records each operation's name as it goes out.
 */
function relayEnvironment(sent: string[]): Environment {
  const ws = createClient({
    url: server.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
  });
  onTestFinished(() => ws.dispose());
  const fetchFn: FetchFunction = async (params, variables) => {
    sent.push(params.name);
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query: params.text, operationName: params.name, variables }),
    });
    return (await res.json()) as GraphQLResponse;
  };
  const subscribe: SubscribeFunction = (params, variables) =>
    Observable.create<GraphQLResponse>((sink) => {
      sent.push(params.name);
      return ws.subscribe<Record<string, unknown>>(
        { query: params.text ?? '', operationName: params.name, variables },
        {
          next: (result) => sink.next(result as GraphQLResponse),
          error: (err) => sink.error(err instanceof Error ? err : new Error(JSON.stringify(err))),
          complete: () => sink.complete(),
        },
      );
    });
  return new Environment({
    network: Network.create(fetchFn, subscribe),
    store: new Store(new RecordSource()),
  });
}

interface PluginsList {
  plugins: {
    edges: { node: { id: string } & FragmentRef }[];
    pageInfo: { endCursor: string | null; hasNextPage: boolean };
  };
}
type FragmentRef = Record<string, unknown>;
interface PluginCard {
  id: string;
  name: string;
  version: string | null;
  status: string;
  observedAt: string;
}

/** A fragment's data read from the store, as useFragment reads it. */
function readFragment<T>(env: Environment, fragment: ReaderFragment, ref: unknown): T {
  const selector = getSelector(fragment, ref as FragmentRef);
  if (selector === null || selector.kind !== 'SingularReaderSelector')
    throw new Error('no selector');
  const snapshot = env.lookup(selector);
  expect(snapshot.isMissingData).toBe(false);
  return snapshot.data as T;
}

/** The first `count` plugin ids as the server lists them, asked without Relay. */
async function pluginIds(count: number): Promise<string[]> {
  const res = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query: `{ plugins(first: ${count}) { edges { node { id } } } }` }),
  });
  const body = (await res.json()) as { data: { plugins: { edges: { node: { id: string } }[] } } };
  return body.data.plugins.edges.map((e) => e.node.id);
}

describe('Relay against plugin-graph', () => {
  it('relay-compiler 21 compiles the project against schema.client.graphql', () => {
    expect(compiled.output).toContain('Compilation completed');
    expect(compiled.code).toBe(0);
    expect(readdirSync(join(project, '__generated__')).sort()).toEqual(ARTIFACTS);
  });

  it('a @connection fragment loads page 2 into the same connection: both pages in the store', async () => {
    const sent: string[] = [];
    const env = relayEnvironment(sent);
    const PageQuery = await artifact<ConcreteRequest>('PluginsPageQuery');
    const PaginationQuery = await artifact<ConcreteRequest>('PluginsListPaginationQuery');
    const List = await artifact<ReaderFragment>('PluginsList_query');

    const page = createOperationDescriptor(getRequest(PageQuery), { count: 2 });
    env.retain(page);
    await fetchQuery(env, PageQuery, { count: 2 }).toPromise();
    const root = env.lookup(page.fragment).data;
    const first = readFragment<PluginsList>(env, List, root);
    expect(first.plugins.edges).toHaveLength(2);
    expect(first.plugins.pageInfo.hasNextPage).toBe(true);

    // What usePaginationFragment's loadNext(2) sends: the refetch query from the end cursor.
    await fetchQuery(env, PaginationQuery, {
      count: 2,
      cursor: first.plugins.pageInfo.endCursor,
    }).toPromise();
    const both = readFragment<PluginsList>(env, List, root);
    expect(both.plugins.edges.map((e) => e.node.id)).toEqual(await pluginIds(4));
    expect(both.plugins.pageInfo.endCursor).not.toBe(first.plugins.pageInfo.endCursor);
    expect(sent).toEqual(['PluginsPageQuery', 'PluginsListPaginationQuery']);
  });

  it('a @refetchable fragment on Plugin refetches it through node(id:)', async () => {
    const sent: string[] = [];
    const env = relayEnvironment(sent);
    const PageQuery = await artifact<ConcreteRequest>('PluginsPageQuery');
    const RefetchQuery = await artifact<ConcreteRequest>('PluginCardRefetchQuery');
    const List = await artifact<ReaderFragment>('PluginsList_query');
    const Card = await artifact<ReaderFragment>('PluginCard_plugin');
    expect(RefetchQuery.params.text).toMatch(/node\(id: \$id\)/);

    const page = createOperationDescriptor(getRequest(PageQuery), { count: 1 });
    env.retain(page);
    await fetchQuery(env, PageQuery, { count: 1 }).toPromise();
    const list = readFragment<PluginsList>(env, List, env.lookup(page.fragment).data);
    const [edge] = list.plugins.edges;
    const listed = readFragment<PluginCard>(env, Card, edge?.node);

    // What useRefetchableFragment's refetch() sends: the fragment's id as the query's `id`.
    const refetch = createOperationDescriptor(getRequest(RefetchQuery), { id: listed.id });
    env.retain(refetch);
    await fetchQuery(env, RefetchQuery, { id: listed.id }).toPromise();
    const { node } = env.lookup(refetch.fragment).data as { node: FragmentRef | null };
    expect(node).not.toBeNull();
    const refetched = readFragment<PluginCard>(env, Card, node);
    expect(refetched).toMatchObject({ id: listed.id, name: listed.name, status: listed.status });
    expect(sent).toEqual(['PluginsPageQuery', 'PluginCardRefetchQuery']);
  });

  it("a mutation's task followed with requestSubscription over graphql-ws until it ends", async () => {
    const sent: string[] = [];
    const env = relayEnvironment(sent);
    const Install = await artifact<ConcreteRequest>('InstallUpdateMutation');
    const Progress = await artifact<ConcreteRequest>('TaskProgressSubscription');

    interface Launched {
      installUpdate: { __typename: string; task?: { id: string }; code?: string };
    }
    const launched = await new Promise<Launched>((resolve, reject) => {
      commitMutation(env, {
        mutation: Install,
        variables: { endpoint: 'appliance', version: '9.0.3.0' },
        onCompleted: (response) => resolve(response as unknown as Launched),
        onError: reject,
      });
    });
    expect(launched.installUpdate.__typename).toBe('InstallUpdatePayload');
    const taskId = launched.installUpdate.task?.id ?? '';

    interface Event {
      taskProgress: { id: string; status: string; progress: number | null };
    }
    const events: Event['taskProgress'][] = [];
    await new Promise<void>((resolve, reject) => {
      requestSubscription(env, {
        subscription: Progress,
        variables: { id: taskId },
        onNext: (response) => {
          if (response) events.push((response as Event).taskProgress);
        },
        onCompleted: resolve,
        onError: reject,
      });
    });
    // The current state first, then every change; the stream completes after the terminal one.
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.id === taskId)).toBe(true);
    expect(events.at(-1)?.status).toBe('SUCCESS');
    expect(events.slice(0, -1).every((e) => ['QUEUED', 'RUNNING'].includes(e.status))).toBe(true);
    // Each event was normalized into the Task record the mutation created.
    expect(env.getStore().getSource().get(taskId)?.status).toBe('SUCCESS');
    expect(sent).toEqual(['InstallUpdateMutation', 'TaskProgressSubscription']);
  }, 60_000);
});
