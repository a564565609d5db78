import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApplianceSimulator,
  startApplianceSimulator,
} from '../../src/backends/appliance/simulator.ts';
import { type HssSimulator, startHssSimulator } from '../../src/backends/hss/simulator.ts';
import { type SdmSimulator, startSdmSimulator } from '../../src/backends/sdm/simulator.ts';
import { startZstackSimulator, type ZstackSimulator } from '../../src/backends/zstack/simulator.ts';
import { globalId } from '../helpers/full-runtime.ts';
import type { GraphQLResponse } from '../helpers/runtime.ts';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { followSse, INSTALL } from '../subscriptions/helpers.ts';

const INSTALLS = { method: 'POST', path: /\/actions\/install$/ };
const ONLINE_STOPPED = '0b3c6f0e-5a36-4cf3-9d6d-9a0d8e2f4c11'; // HSS fixture: ndr stopped
const PROMETHEUS = 'e90949fe5ddd3e68a4646b97b812f905'; // ZStack fixture driver

type Sims = {
  sdm: SdmSimulator;
  zstack: ZstackSimulator;
  hss: HssSimulator;
  appliance: ApplianceSimulator;
};

/** The environment an operator would write for these simulators, on the data dir `dataDir`. */
function env(s: Sims, dataDir: string): Record<string, string> {
  const sdm = s.sdm.config();
  const zstack = s.zstack.config();
  const hss = s.hss.config();
  const appliance = s.appliance.config();
  if (hss.auth.mode !== 'aksk') throw new Error('expected AK/SK');
  return {
    PLUGIN_GRAPH_AUTH: 'none',
    PLUGIN_GRAPH_DATA_DIR: dataDir,
    LOG_LEVEL: 'info', // startServerProcess waits for the start-up line
    TASK_POLL_INTERVAL_MS: '50',
    BACKEND_TIMEOUT_MS: '1000',
    SDM_URL: sdm.url,
    SDM_API_VERSION: sdm.apiVersion,
    SDM_USERNAME: sdm.username,
    SDM_PASSWORD: sdm.password,
    ZSTACK_URL: zstack.url,
    ZSTACK_ACCOUNT: zstack.account,
    ZSTACK_PASSWORD: zstack.password,
    HSS_URL: hss.url,
    HSS_PROJECT_ID: hss.projectId,
    HSS_ACCESS_KEY: hss.auth.accessKey,
    HSS_SECRET_KEY: hss.auth.secretKey,
    APPLIANCE_URL: appliance.url,
    APPLIANCE_USERNAME: appliance.username,
    APPLIANCE_PASSWORD: appliance.password,
  };
}

async function gql<T>(
  server: ServerProcess,
  query: string,
  variables?: Record<string, unknown>,
): Promise<GraphQLResponse<T>> {
  const res = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as GraphQLResponse<T>;
}

/** The first field of a mutation's payload: its type name, its task, its error code. */
type Launched = Record<string, { __typename: string; code?: string; task?: { id: string } }>;

const LAUNCHES = {
  appliance: [INSTALL, { version: '9.0.3.0' }],
  sdm: [
    `mutation { performPluginAction(input: { pluginId: "ID7", action: INSTALL }) {
      __typename ... on PerformPluginActionPayload { task { id } } } }`,
  ],
  zstack: [
    `mutation($id: ID!) { deletePluginDriver(input: { pluginId: $id, deleteMode: PERMISSIVE }) {
      __typename ... on DeletePluginDriverPayload { task { id } } } }`,
    { id: PROMETHEUS },
  ],
  hss: [
    `mutation($input: StartPluginInput!) { startPlugin(input: $input) {
      __typename ... on StartPluginPayload { task { id } } } }`,
    { input: { pluginCode: 'ndr', hostIds: [globalId('Host', `hss:${ONLINE_STOPPED}`)] } },
  ],
} as const;

async function launch(server: ServerProcess, which: keyof typeof LAUNCHES) {
  const [query, variables] = LAUNCHES[which] as readonly [string, Record<string, unknown>?];
  const res = await gql<Launched>(server, query, variables);
  const payload = Object.values(res.data ?? {})[0];
  expect(payload?.task?.id, JSON.stringify(res)).toBeTruthy();
  return payload!.task!.id;
}

async function kill9(server: ServerProcess): Promise<void> {
  server.proc.kill('SIGKILL');
  await server.exited;
}

/** Runs src/server.ts to its exit (it must refuse to start); its exit code and its output. */
async function refusedStart(environment: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', ...environment },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const [code] = await once(child, 'exit');
  return { code: code as number | null, output };
}

describe('the durable SQLite store across a kill -9 of the real server', () => {
  let sims: Sims;
  const servers: ServerProcess[] = [];
  const dirs: string[] = [];
  const dataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'plugin-graph-durable-'));
    dirs.push(dir);
    return dir;
  };
  /** The simulators with an appliance of its own (its versions not yet installed). */
  const withOwnAppliance = async (installMs: number): Promise<Sims> => {
    const appliance = await startApplianceSimulator({ installMs });
    closing.push(appliance);
    return { ...sims, appliance };
  };
  const closing: { close(): Promise<void> }[] = [];
  const start = async (environment: Record<string, string>) => {
    const server = await startServerProcess(environment);
    servers.push(server);
    return server;
  };

  beforeAll(async () => {
    // Slow tasks: they outlive the killed server and are still running when the next one starts.
    const [sdm, zstack, hss, appliance] = await Promise.all([
      startSdmSimulator({ stepMs: 1_500 }),
      startZstackSimulator({ stepMs: 4_000, pollsPerJob: 1 }),
      startHssSimulator({ stepMs: 4_000 }),
      startApplianceSimulator({ installMs: 4_000 }),
    ]);
    sims = { sdm, zstack, hss, appliance };
  });
  afterEach(async () => {
    for (const server of servers.splice(0)) if (server.proc.exitCode === null) await kill9(server);
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    for (const sim of closing.splice(0)) await sim.close();
  });
  afterAll(async () => {
    await Promise.all(Object.values(sims ?? {}).map((sim) => sim.close()));
  });

  it('appliance, SDM, ZStack and HSS tasks killed mid-task end SUCCESS on the next server: task(id), tasks and taskProgress', async () => {
    const dir = dataDir();
    const first = await start(env(sims, dir));
    const ids = {
      appliance: await launch(first, 'appliance'),
      sdm: await launch(first, 'sdm'),
      zstack: await launch(first, 'zstack'),
      hss: await launch(first, 'hss'),
    };
    // Still running when the first server dies: only the next one can bring them to their end.
    for (const id of Object.values(ids)) {
      const res = await gql<{ task: { status: string } | null }>(
        first,
        'query($id: ID!) { task(id: $id) { status } }',
        { id },
      );
      expect(res.data?.task?.status).toMatch(/QUEUED|RUNNING/);
    }
    await kill9(first);

    const second = await start(env(sims, dir));
    // Opened after the restart, the subscription streams each task to its end.
    const streams = await Promise.all(Object.values(ids).map((id) => followSse(second.url, id)));
    for (const events of streams) {
      // (Whether it still shows RUNNING first depends on how fast the restart was.)
      expect(events.at(-1)).toMatchObject({ status: 'SUCCESS', error: null });
    }
    for (const id of Object.values(ids)) {
      const res = await gql<{ task: { status: string } | null }>(
        second,
        'query($id: ID!) { task(id: $id) { status } }',
        { id },
      );
      expect(res.data?.task?.status).toBe('SUCCESS');
    }
    const listed = await gql<{ tasks: { edges: { node: { id: string; status: string } }[] } }>(
      second,
      '{ tasks(first: 50) { edges { node { id status } } } }',
    );
    const byId = new Map(listed.data?.tasks.edges.map((e) => [e.node.id, e.node.status]));
    for (const id of Object.values(ids)) expect(byId.get(id)).toBe('SUCCESS');
  }, 60_000);

  it('a restart mid-conflict still answers ConflictError with the running task; the vendor saw one install', async () => {
    const dir = dataDir();
    // Still installing long after the restart, however slow the machine is.
    const s = await withOwnAppliance(600_000);
    const first = await start(env(s, dir));
    const id = await launch(first, 'appliance');
    await kill9(first);
    const TASK_POLLS = { method: 'GET', path: /^\/tasks\// };
    const polledBefore = s.appliance.server.count(TASK_POLLS);

    const second = await start(env(s, dir));
    const again = await gql<Launched>(second, INSTALL, { version: '9.1.0.0' });
    expect(again.data?.installUpdate).toMatchObject({
      __typename: 'ConflictError',
      code: 'CONFLICT',
      task: { id },
    });
    expect(s.appliance.server.count(INSTALLS)).toBe(1);
    // It is polled again (resumed), not just remembered.
    await waitFor(
      async () => s.appliance.server.count(TASK_POLLS) > polledBefore,
      'a task poll after the restart',
    );
  }, 60_000);

  it('a server killed during the vendor call: its task ends LAUNCH_INTERRUPTED after the launch window, and its lock frees', async () => {
    const dir = dataDir();
    const s = await withOwnAppliance(100);
    s.appliance.server.inject(
      { kind: 'held', until: new Promise<void>(() => {}) },
      { match: (r) => INSTALLS.path.test(r.path), times: 1 },
    );
    const first = await start(env(s, dir));
    void gql(first, INSTALL, { version: '9.0.3.0' }).catch(() => undefined); // dies first
    await waitFor(
      async () => s.appliance.server.count(INSTALLS) === 1,
      'the install to reach the appliance',
    );
    await kill9(first);

    // The launch window is 2 x BACKEND_TIMEOUT_MS = 2 s: then nothing of that call can still run.
    const second = await start(env(s, dir));
    type Tasks = {
      tasks: { edges: { node: { id: string; status: string; error: { code: string } | null } }[] };
    };
    const ended = await waitFor(async () => {
      const res = await gql<Tasks>(
        second,
        '{ tasks { edges { node { id status error { code } } } } }',
      );
      const node = res.data?.tasks.edges[0]?.node;
      return node?.status === 'ERROR' ? node : undefined;
    }, 'the interrupted task to end ERROR');
    expect(ended.error?.code).toBe('LAUNCH_INTERRUPTED');
    const again = await gql<Launched>(second, INSTALL, { version: '9.0.3.0' });
    expect(again.data?.installUpdate?.__typename).toBe('InstallUpdatePayload');
    await followSse(second.url, again.data!.installUpdate!.task!.id);
  }, 60_000);

  it('finished tasks expire after TASK_TTL_SECONDS, also across a restart', async () => {
    const dir = dataDir();
    const s = await withOwnAppliance(50);
    {
      const environment = { ...env(s, dir), TASK_TTL_SECONDS: '1' };
      const first = await start(environment);
      const id = await launch(first, 'appliance');
      expect((await followSse(first.url, id)).at(-1)?.status).toBe('SUCCESS');
      await kill9(first);
      const second = await start(environment);
      const gone = await waitFor(async () => {
        const res = await gql<{ task: { id: string } | null }>(
          second,
          'query($id: ID!) { task(id: $id) { id } }',
          { id },
        );
        return res.data && res.data.task === null ? res : undefined;
      }, 'the task to expire');
      expect(gone.errors).toBeUndefined();
    }
  }, 60_000);

  it('a data dir that cannot exist (under a regular file) stops the start-up with one error naming the path, exit 1', async () => {
    const dir = dataDir();
    const file = join(dir, 'a-file');
    writeFileSync(file, 'not a directory');
    const impossible = join(file, 'data');
    const { code, output } = await refusedStart({ ...env(sims, impossible) });
    expect(code).toBe(1);
    expect(output).toContain(impossible);
    expect(output).toContain('ENOTDIR');
    expect(output).not.toContain('GraphiQL on');
  }, 60_000);

  it('a second server on the same data dir is refused at start-up; the first one keeps serving', async () => {
    const dir = dataDir();
    const first = await start(env(sims, dir));
    const { code, output } = await refusedStart(env(sims, dir));
    expect(code).toBe(1);
    expect(output).toContain(dir);
    expect(output).toContain('in use by another plugin-graph process');
    const res = await gql<{ tasks: { edges: unknown[] } }>(first, '{ tasks { edges { cursor } } }');
    expect(res.errors).toBeUndefined();
  }, 60_000);
});
