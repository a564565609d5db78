import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  type ApplianceSimulator,
  startApplianceSimulator,
} from '../../src/backends/appliance/simulator.ts';
import { type Config, loadConfig } from '../../src/config/index.ts';
import { createRuntime } from '../../src/runtime.ts';
import { startServerProcess } from '../helpers/server-process.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { listen } from '../subscriptions/helpers.ts';
import { type RedisServer, SKIP_REDIS, startRedis } from './redis-server.ts';

/**
 * Issue 25.3: Redis credentials never reach a log line, at any level. ioredis puts the failed
 * command on its errors (`command: { name: 'auth', args: [password] }`), and the connection
 * retries, each failure an `error` event: with a wrong REDIS_URL password, or the right password
 * of a disabled ACL user, that password was logged several times a second.
 */

const REQUIREPASS = 'redis-requirepass-Xq83kLm0';
const WRONG = 'wrong-redis-password-Tz91aQe5';
const ACL_USER = 'graph-disabled';
const ACL_PASSWORD = 'acl-user-password-Vb27hNs4';
const OPERATOR = 'static-operator-token-Hf62pWd8';
const VIEWER = 'static-viewer-token-Lm40cRt3';
/** Enough failed connection attempts for ioredis to have retried on both connections. */
const FAILURES = 6;

const TASKS = '{ tasks(first: 5) { edges { node { id } } } }';

describe.skipIf(SKIP_REDIS)('Redis credentials in logs', () => {
  let redis: RedisServer;
  let sim: ApplianceSimulator;
  const url = (userinfo: string) => `redis://${userinfo}@127.0.0.1:${redis.port}`;
  /** What must appear in no log line: every Redis credential, whoever was logging in. */
  const secrets = [REQUIREPASS, WRONG, ACL_PASSWORD];

  beforeAll(async () => {
    redis = await startRedis({
      args: [
        '--requirepass',
        REQUIREPASS,
        '--user',
        ACL_USER,
        'off',
        `>${ACL_PASSWORD}`,
        '~*',
        '+@all',
      ],
    });
    sim = await startApplianceSimulator({ installMs: 100 });
    // The scenario is the one asked for: a password is required, and the ACL user is disabled.
    const admin = new Redis(url(`:${REQUIREPASS}`), { maxRetriesPerRequest: 1 });
    try {
      const user = (await admin.call('ACL', 'GETUSER', ACL_USER)) as unknown[];
      expect(user[user.indexOf('flags') + 1]).toContain('off');
    } finally {
      admin.disconnect();
    }
  });
  afterAll(async () => {
    await sim?.close();
    await redis?.stop();
  });

  /** One instance in process on `redisUrl`, logging at trace level into `lines` (no redaction). */
  async function inProcess(redisUrl: string): Promise<string[]> {
    const lines: string[] = [];
    const config: Config = {
      ...loadConfig({
        PLUGIN_GRAPH_AUTH: 'none',
        APPLIANCE_URL: sim.url,
        APPLIANCE_USERNAME: 'x',
        APPLIANCE_PASSWORD: 'x',
        REDIS_URL: redisUrl,
        REDIS_TIMEOUT_MS: '300',
      }),
      backends: { appliance: sim.config() },
    };
    // A bare pino logger: what leaves src/store/redis.ts must be safe on its own.
    const runtime = createRuntime(
      config,
      pino({ level: 'trace' }, { write: (line: string) => void lines.push(line) }),
    );
    const http = await listen(runtime.app);
    onTestFinished(async () => {
      await http.close();
      await runtime.close();
    });
    const res = await fetch(http.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: TASKS }),
    });
    expect(await res.text()).toContain('STORE_UNAVAILABLE');
    await waitFor(
      async () => lines.filter((l) => l.includes('redis connection error')).length >= FAILURES,
      'the redis connection errors logged',
    );
    return lines;
  }

  const leaked = (text: string) => secrets.filter((s) => text.includes(s));

  it('a wrong REDIS_URL password is in no log line', async () => {
    const lines = await inProcess(url(`:${WRONG}`));
    const text = lines.join('');
    expect(text).toContain('WRONGPASS');
    expect(leaked(text)).toEqual([]);
    expect(text).not.toMatch(/"args"|"command"/);
  });

  it("a disabled ACL user's right password is in no log line", async () => {
    const lines = await inProcess(url(`${ACL_USER}:${ACL_PASSWORD}`));
    const text = lines.join('');
    expect(text).toContain('WRONGPASS');
    expect(leaked(text)).toEqual([]);
    expect(text).not.toMatch(/"args"|"command"/);
  });

  // The process as deployed (src/server.ts, its logger), with the real password of the disabled
  // ACL user: the worse of the two cases above.
  it('the server at LOG_LEVEL=trace logs no configured secret, Redis password included', {
    timeout: 60_000,
  }, async () => {
    {
      const userinfo = `${ACL_USER}:${ACL_PASSWORD}`;
      const appliance = sim.config();
      const server = await startServerProcess({
        LOG_LEVEL: 'trace',
        PLUGIN_GRAPH_TOKENS: `${OPERATOR}=operator,${VIEWER}=viewer`,
        APPLIANCE_URL: appliance.url,
        APPLIANCE_USERNAME: appliance.username,
        APPLIANCE_PASSWORD: appliance.password,
        REDIS_URL: url(userinfo),
        REDIS_TIMEOUT_MS: '300',
      });
      onTestFinished(() => void server.proc.kill('SIGKILL'));
      const base = server.url.replace(/\/graphql$/, '');
      const ask = async (token: string, query: string) => {
        const res = await fetch(server.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query }),
        });
        return res.text();
      };
      expect(await ask(OPERATOR, TASKS)).toContain('STORE_UNAVAILABLE');
      await ask(VIEWER, 'mutation { installUpdate(input: { version: "9.0.3.0" }) { __typename } }');
      await ask(`${OPERATOR}-not`, TASKS);
      await ask(OPERATOR, '{ updates { version } }');
      expect((await fetch(`${base}/readyz`)).status).toBe(503);
      await (await fetch(`${base}/metrics`)).text();
      await waitFor(
        async () => server.output().split('redis connection error').length > FAILURES,
        'the redis connection errors printed',
      );
      server.proc.kill('SIGTERM');
      await server.exited;
      const output = server.output();
      expect(output).toContain('"level":20'); // debug lines were written (nothing logs at trace)
      expect(output).toContain('WRONGPASS');
      const configured = [...secrets, OPERATOR, VIEWER, appliance.password];
      expect(configured.filter((s) => output.includes(s))).toEqual([]);
    }
  });
});
