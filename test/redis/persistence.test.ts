import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApplianceSimulator,
  startApplianceSimulator,
} from '../../src/backends/appliance/simulator.ts';
import { type Config, loadConfig } from '../../src/config/index.ts';
import { createRuntime, type Runtime } from '../../src/runtime.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { type RedisServer, SKIP_REDIS, startRedis } from './redis-server.ts';

type Line = { level: number; msg: string } & Record<string, unknown>;

/**
 * Issue 26.5: a Redis without persistence turned task ids callers had been given into `null`
 * at its restart, silently. Start-up now reads what Redis keeps and warns when it keeps nothing.
 * Issue 26.4: a Redis that answers PING but refuses writes makes the instance not ready.
 */
describe.skipIf(SKIP_REDIS)('Redis persistence and writes, as the instance sees them', () => {
  let sim: ApplianceSimulator;
  const open: { close(): Promise<unknown> }[] = [];
  const dirs: string[] = [];
  beforeAll(async () => {
    sim = await startApplianceSimulator({ installMs: 100 });
  });
  afterEach(async () => {
    for (const item of open.splice(0).reverse()) await item.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  afterAll(() => sim?.close());

  async function redis(options: Parameters<typeof startRedis>[0] = {}): Promise<RedisServer> {
    const server = await startRedis(options);
    open.push({ close: () => server.stop() });
    return server;
  }

  /** An instance in process on `url`, its log lines parsed into `lines`. */
  function instance(url: string): { runtime: Runtime; lines: Line[] } {
    const base = loadConfig({
      PLUGIN_GRAPH_AUTH: 'none',
      APPLIANCE_URL: sim.url,
      APPLIANCE_USERNAME: 'x',
      APPLIANCE_PASSWORD: 'x',
      REDIS_URL: url,
    });
    const config: Config = {
      ...base,
      backends: { appliance: sim.config() },
      redisTimeoutMs: 1_000,
    };
    const lines: Line[] = [];
    const logger = pino({ level: 'debug' }, { write: (l: string) => lines.push(JSON.parse(l)) });
    const runtime = createRuntime(config, logger);
    open.push({ close: () => runtime.close() });
    return { runtime, lines };
  }
  const about = (lines: Line[]) => lines.filter((l) => l.msg.startsWith('Redis persist'));

  it('no AOF, no RDB save points (--appendonly no --save ""): one warning naming the settings', async () => {
    const server = await redis({ args: ['--appendonly', 'no', '--save', ''] });
    const { lines } = instance(server.url);
    const [warning] = await waitFor(
      async () => (about(lines).length > 0 ? about(lines) : undefined),
      'the persistence warning',
    );
    expect(warning).toMatchObject({ level: 40, appendonly: 'no', save: '' });
    expect(warning?.msg).toContain('appendonly');
    expect(about(lines)).toHaveLength(1);
  });

  it('--appendonly yes: no warning, an info line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plugin-graph-aof-'));
    dirs.push(dir);
    const server = await redis({ dir });
    const { lines } = instance(server.url);
    const said = await waitFor(
      async () => (about(lines).length > 0 ? about(lines) : undefined),
      'the persistence line',
    );
    expect(said).toEqual([expect.objectContaining({ level: 30, appendonly: 'yes' })]);
  });

  it('CONFIG refused (as on managed Redis): a warning that it could not be checked', async () => {
    const server = await redis({
      args: ['--user', 'graph', 'on', '>graph-pw-7', '~*', '&*', '+@all', '-config'],
    });
    const { lines } = instance(`redis://graph:graph-pw-7@127.0.0.1:${server.port}`);
    const said = await waitFor(
      async () => (about(lines).length > 0 ? about(lines) : undefined),
      'the persistence line',
    );
    expect(said).toEqual([
      expect.objectContaining({ level: 40, msg: expect.stringContaining('could not be checked') }),
    ]);
  });

  it('Redis answering PING but refusing writes (maxmemory reached): 503 while it refuses, 200 after', async () => {
    const server = await redis();
    const { runtime } = instance(server.url);
    const readyz = async () => {
      const res = await runtime.app.fetch('http://localhost/readyz');
      return { status: res.status, body: (await res.json()) as unknown };
    };
    await waitFor(async () => (await readyz()).status === 200, 'readyz 200');
    const admin = new Redis(server.url, { maxRetriesPerRequest: 1 });
    open.push({ close: async () => admin.disconnect() });
    await admin.config('SET', 'maxmemory', '1');
    expect(await admin.ping()).toBe('PONG');
    expect(await readyz()).toEqual({
      status: 503,
      body: {
        status: 'unavailable',
        failing: [{ store: 'redis', code: 'STORE_WRITE_FAILED', reason: 'writes refused: OOM' }],
      },
    });
    await admin.config('SET', 'maxmemory', '0');
    expect((await readyz()).status).toBe(200);
  });
});
