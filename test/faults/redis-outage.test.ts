import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeGlobalID } from '@pothos/plugin-relay';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { SimulatorServer } from '../../src/backends/simulator/server.ts';
import { type FullRuntime, startFullRuntime } from '../helpers/full-runtime.ts';
import type { GraphQLResponse } from '../helpers/runtime.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { type RedisServer, SKIP_REDIS, startRedis } from '../redis/redis-server.ts';

/**
 * Hardening 12.4 / 12.5 under load: mutations on three backends keep coming while Redis hangs
 * (SIGSTOP) and restarts (persisted, so that what was stored survives). Every answer is a task,
 * a domain outcome or STORE_UNAVAILABLE, never a masked error; every vendor write has its task
 * (the vendor saw exactly as many writes as callers got tasks, plus the ones it refused); and
 * every task a caller got is stored and reaches a terminal state once Redis is back.
 */

const TERMINAL = new Set(['SUCCESS', 'ERROR', 'CANCELLED']);
const KORAP_CLIENTS = [
  'g1eMmQrW3tH8kLpV0xYz2A',
  'cS9tAtZx4Lm2QwE8rYuI1o',
  'kC0lLoC4t10nAnaLys1sXw',
];
const ANSWER = (payload: string) =>
  `{ __typename ... on ${payload} { task { id } } ... on Error { code } }`;

interface Mutation {
  readonly backend: 'appliance' | 'korap' | 'hss';
  readonly field: string;
  readonly query: string;
  readonly variables?: Record<string, unknown>;
}
const MUTATIONS: readonly Mutation[] = [
  {
    backend: 'appliance',
    field: 'installUpdate',
    query: `mutation { installUpdate(input: { version: "9.0.3.0" }) ${ANSWER('InstallUpdatePayload')} }`,
  },
  ...KORAP_CLIENTS.flatMap((c): Mutation[] =>
    ['installSuperClientPlugin', 'uninstallSuperClientPlugin'].map((field) => ({
      backend: 'korap',
      field,
      query: `mutation($c: String!) { ${field}(input: { clientId: $c }) ${ANSWER(`${field[0]?.toUpperCase()}${field.slice(1)}Payload`)} }`,
      variables: { c },
    })),
  ),
  ...['startPlugin', 'stopPlugin'].map(
    (field): Mutation => ({
      backend: 'hss',
      field,
      query: `mutation { ${field}(input: { pluginCode: "ndr", operateAll: true }) ${ANSWER(`${field[0]?.toUpperCase()}${field.slice(1)}Payload`)} }`,
    }),
  ),
];
/** The vendor calls that change something, per backend. */
const WRITES: Record<Mutation['backend'], RegExp> = {
  appliance: /\/actions\/install$/,
  korap: /\/plugins\/(un)?install$/,
  hss: /\/attachments\/(start|stop)$/,
};
const writes = (server: SimulatorServer, path: RegExp) => server.count({ method: 'POST', path });

describe.skipIf(SKIP_REDIS)('Redis outages during mutations', () => {
  let dir: string;
  let redis: RedisServer;
  let t: FullRuntime;
  let inspect: Redis;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'plugin-graph-redis-'));
    redis = await startRedis({ dir });
    inspect = new Redis(redis.url, { maxRetriesPerRequest: null });
    inspect.on('error', () => undefined); // reconnects after each restart
    t = await startFullRuntime({ redisUrl: redis.url, redisTimeoutMs: 250 });
  });
  afterAll(async () => {
    redis?.resume();
    await t?.close();
    inspect?.disconnect();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('no vendor write without a stored task, no lost task', { timeout: 90_000 }, async () => {
    const tasks = new Set<string>();
    const got = { payload: new Map<string, number>(), refused: new Map<string, number>() };
    const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
    const unexpected: unknown[] = [];
    let storeUnavailable = 0;
    let running = true;
    // However the test ends (a timeout too), the load stops with it.
    onTestFinished(() => {
      running = false;
    });

    const worker = async (offset: number) => {
      for (let i = offset; running; i++) {
        // yoga.fetch needs no socket: an answer that needs no I/O either (a refused Redis call)
        // would chain requests in microtasks and starve the timers and sockets that end the
        // outage. A real client's next request comes through the event loop.
        await new Promise((r) => setImmediate(r));
        const m = MUTATIONS[i % MUTATIONS.length]!;
        const res = (await t.gql(m.query, m.variables)) as GraphQLResponse<
          Record<string, { __typename: string; task?: { id: string } } | null>
        >;
        const answer = res.data?.[m.field];
        if (answer?.task) {
          tasks.add(answer.task.id);
          bump(got.payload, m.backend);
        } else if (answer && answer.__typename !== 'ConflictError') {
          bump(got.refused, m.backend); // the vendor said no (AlreadyInstalled, ...)
        } else if (!answer) {
          const codes = (res.errors ?? []).map((e) => e.extensions?.code);
          if (codes.length === 1 && codes[0] === 'STORE_UNAVAILABLE') storeUnavailable++;
          else unexpected.push(res.errors);
        }
      }
    };
    const workers = [0, 1, 2].map((offset) => worker(offset * 3));

    /** Until `n` more answers of a kind have come: outages last as long as it takes to see them. */
    const moreOf = async (count: () => number, n: number) => {
      const from = count();
      await waitFor(async () => count() >= from + n, `${n} more answers of that kind`);
    };
    const payloads = () => [...got.payload.values()].reduce((a, b) => a + b, 0);
    try {
      for (const outage of ['hang', 'restart', 'hang'] as const) {
        await moreOf(payloads, 3);
        if (outage === 'hang') redis.pause();
        else await redis.stop();
        await moreOf(() => storeUnavailable, 3);
        if (outage === 'hang') redis.resume();
        else await redis.start();
      }
      await moreOf(payloads, 3);
    } finally {
      running = false;
      await Promise.all(workers);
    }

    expect(unexpected).toEqual([]);
    expect(storeUnavailable).toBeGreaterThanOrEqual(9);
    // Each vendor write belongs to a caller's task, or was refused by the vendor itself.
    for (const backend of ['appliance', 'korap', 'hss'] as const) {
      expect(writes(t.sims[backend].server, WRITES[backend]), backend).toBe(
        (got.payload.get(backend) ?? 0) + (got.refused.get(backend) ?? 0),
      );
    }
    // Every task a caller got is stored and ends.
    const stuck = await waitFor(async () => {
      const left: string[] = [];
      for (const id of tasks) {
        const res = (await t.gql('query($id: ID!) { task(id: $id) { status } }', {
          id,
        })) as GraphQLResponse<{ task: { status: string } | null }>;
        if (!TERMINAL.has(res.data?.task?.status ?? '')) left.push(id);
      }
      return left.length === 0 ? left : undefined;
    }, 'every task to end');
    expect(stuck).toEqual([]);
    for (const id of tasks) {
      expect(await inspect.exists(`plugin-graph:task:${decodeGlobalID(id).id}`), id).toBe(1);
    }
  });
});
