import { spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  unlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.ts';
import { argsOf, execForm, readDockerfile, stageEnv } from './dockerfile.ts';

/**
 * The Dockerfile's two stages replayed in a temp dir, without a container engine (issue 28):
 * - build: the files its COPY instructions name, `npm run build` with the development install
 *   (this checkout's node_modules, reached from the parent folder and unlinked afterwards);
 * - a production install beside it, `npm ci --omit=dev`, offline (from the npm cache the
 *   development install filled): nothing leaves this machine. Its install scripts are skipped and
 *   better-sqlite3's addon is taken from the development install instead, as the Dockerfile's
 *   `npm prune --omit=dev` keeps it: compiling it again (no prebuilt download here) would cost
 *   a minute or two of CPU and prove only what `npm ci` already did;
 * - runtime: only what the runtime stage copies (package.json, node_modules, dist/), started with
 *   the image's CMD and ENV (bound to loopback here) in demo mode.
 * It proves that the compiled output runs on plain node with production dependencies only (no
 * tsx, no TypeScript), that the production install prints no EBADENGINE warning, and that the
 * server it starts serves GraphiQL, answers, and keeps tasks in SQLite on its data dir.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const { stages } = readDockerfile();
const [build] = stages;
const runtime = stages.at(-1);
if (!build || !runtime) throw new Error('no stages in the Dockerfile');

interface Run {
  readonly code: number | null;
  readonly output: string;
}

/** A command to its exit, its stdout and stderr kept. */
async function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env } });
  let output = '';
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, output } satisfies Run;
}

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)));
}

let work: string;
let app: string;
let built: Run;
let install: Run;
let server: ServerProcess;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'plugin-graph-prod-'));
  app = join(work, 'app');
  mkdirSync(app);
  // Build stage: `COPY <sources…> <dest>`, the destination being the working dir.
  for (const copy of argsOf(build, 'COPY'))
    for (const source of copy.split(' ').slice(0, -1))
      cpSync(join(ROOT, source), join(app, source), { recursive: true });
  const devModules = join(work, 'node_modules');
  symlinkSync(join(ROOT, 'node_modules'), devModules, 'dir');
  built = await run('npm', ['run', 'build'], app);
  unlinkSync(devModules);
  install = await run(
    'npm',
    ['ci', '--omit=dev', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'],
    app,
  );
  const addon = 'better-sqlite3/build/Release/better_sqlite3.node';
  const version = (dir: string) =>
    (
      JSON.parse(readFileSync(join(dir, 'better-sqlite3/package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
  expect(version(join(app, 'node_modules'))).toBe(version(join(ROOT, 'node_modules')));
  cpSync(join(ROOT, 'node_modules', addon), join(app, 'node_modules', addon));
  // Runtime stage: what it copies from the build stage, nothing else.
  const kept = argsOf(runtime, 'COPY').map((c) => c.split(' ').at(-2)?.split('/').at(-1));
  for (const entry of readdirSync(app))
    if (!kept.includes(entry)) rmSync(join(app, entry), { recursive: true });
  const [node, ...args] = execForm(argsOf(runtime, 'CMD')[0] ?? '');
  expect(node).toBe('node');
  server = await startServerProcess(
    {
      ...stageEnv(runtime),
      HOST: '127.0.0.1',
      PORT: '0',
      PLUGIN_GRAPH_DATA_DIR: join(work, 'data'),
    },
    120_000,
    { args, cwd: app },
  );
}, 300_000);

afterAll(async () => {
  if (server?.proc.exitCode === null) {
    server.proc.kill('SIGKILL');
    await server.exited;
  }
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the production build, installed and started as the image runs it', () => {
  it('compiles every source file to JavaScript importing JavaScript', () => {
    expect(built.code, built.output).toBe(0);
    const sources = filesUnder(join(ROOT, 'src')).filter((f) => f.endsWith('.ts'));
    const emitted = filesUnder(join(app, 'dist'));
    expect(emitted.sort()).toEqual(sources.map((f) => f.replace(/\.ts$/, '.js')).sort());
    for (const file of emitted) {
      const text = readFileSync(join(app, 'dist', file), 'utf8');
      expect(text, file).not.toMatch(/from '\.{1,2}\/[^']*\.ts'/);
    }
  });

  it('installs no build tooling (tsx, TypeScript), and prints no EBADENGINE warning', () => {
    expect(install.code, install.output).toBe(0);
    expect(install.output).not.toMatch(/EBADENGINE/);
    // The tooling, not every dev dependency: npm keeps a dev dependency that a production one
    // names as an optional peer (@apollo/server for graphql-armor), which nothing loads.
    const modules = join(app, 'node_modules');
    for (const tool of ['tsx', 'esbuild', 'typescript', 'vitest', '@biomejs/biome', '@types/node'])
      expect(existsSync(join(modules, tool)), `${tool} is installed`).toBe(false);
  });

  it('serves GraphiQL to a browser', async () => {
    const res = await fetch(server.url, {
      headers: {
        accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
        'user-agent':
          'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36',
      },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const page = await res.text();
    expect(page).toContain('GraphiQL');
    // plugin-graph's own additions (src/http/graphiql-additions.ts) on the offline bundle.
    expect(page).toContain('plugin-graph:lastTaskId');
  });

  it('answers a query and a mutation, its task kept in SQLite in the data dir', async () => {
    const post = async <T extends z.ZodType>(query: string, data: T): Promise<z.infer<T>> => {
      const res = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { data?: unknown; errors?: unknown };
      expect(body.errors).toBeUndefined();
      return data.parse(body.data);
    };
    const { backends } = await post(
      '{ backends { endpoint reachable } }',
      z.object({ backends: z.array(z.object({ endpoint: z.string() })) }),
    );
    expect(backends.map((b) => b.endpoint).sort()).toEqual([
      'appliance',
      'appliance-dr',
      'hss',
      'hss-ap',
      'korap',
      'sdm',
      'zstack',
    ]);
    const task = z.object({ id: z.string(), endpoint: z.string() });
    const { installUpdate } = await post(
      'mutation { installUpdate(input: { endpoint: "appliance", version: "9.0.3.0" }) { ... on InstallUpdatePayload { task { id endpoint } } } }',
      z.object({ installUpdate: z.object({ task }) }),
    );
    const { id } = installUpdate.task;
    const read = await post(`{ task(id: "${id}") { id endpoint } }`, z.object({ task }));
    expect(read.task).toEqual({ id, endpoint: 'appliance' });
    expect(existsSync(join(work, 'data', 'plugin-graph.sqlite'))).toBe(true);
  });

  it('drains on SIGTERM and exits 0', async () => {
    server.proc.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.output()).toContain('drained; exiting');
  });
});
