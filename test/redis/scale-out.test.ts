import { decodeGlobalID } from '@pothos/plugin-relay';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApplianceSimulator,
  startApplianceSimulator,
} from '../../src/backends/appliance/simulator.ts';
import type { GraphQLResponse } from '../helpers/runtime.ts';
import { startServerProcess } from '../helpers/server-process.ts';
import { waitFor } from '../helpers/wait-for.ts';
import {
  expectMonotonic,
  followSse,
  followWs,
  INSTALL,
  PROGRESS,
} from '../subscriptions/helpers.ts';
import { instance } from './instance.ts';
import { type RedisServer, SKIP_REDIS, startRedis } from './redis-server.ts';

const TASK_POLLS = { method: 'GET', path: /^\/tasks\// };

type InstallResult = {
  installUpdate: { __typename: string; code?: string; task?: { id: string; status: string } };
};

/** The appliance session each task poll came with: one session = one polling instance. */
const pollSessions = (sim: ApplianceSimulator) =>
  sim.server.requests
    .filter((r) => r.method === 'GET' && r.path.startsWith('/tasks/'))
    .map((r) => String(r.headers['x-dr-session']));

describe.skipIf(SKIP_REDIS)('scaled-out mode (REDIS_URL): two instances on one Redis', () => {
  let redis: RedisServer;
  let inspect: Redis;
  const open: { close(): Promise<void> }[] = [];
  let sim: ApplianceSimulator;

  beforeAll(async () => {
    redis = await startRedis();
    inspect = new Redis(redis.url);
  });
  afterAll(async () => {
    inspect?.disconnect();
    await redis?.stop();
  });
  afterEach(async () => {
    for (const item of open.splice(0).reverse()) await item.close();
    await inspect.flushall();
  });

  /**
   * Poll rounds of each instance as they end, each with the task polls the appliance had
   * received by then: a poller's rate counted per round, never per elapsed millisecond.
   */
  const rounds: Record<'a' | 'b', { tasks: number; polls: number }[]> = { a: [], b: [] };
  const roundHooks = (name: 'a' | 'b') => ({
    onPollRound: (round: { readonly tasks: number }) =>
      rounds[name].push({ tasks: round.tasks, polls: sim.server.count(TASK_POLLS) }),
  });

  async function two(installMs: number) {
    rounds.a = [];
    rounds.b = [];
    sim = await startApplianceSimulator({ installMs });
    open.push(sim);
    const a = await instance(redis.url, sim, {}, roundHooks('a'));
    open.push(a);
    const b = await instance(redis.url, sim, {}, roundHooks('b'));
    open.push(b);
    return { a, b };
  }

  /** Instance A as a real server process (so that it can really die) with one install launched. */
  async function processWithInstall(env: Record<string, string>) {
    const server = await startServerProcess({
      APPLIANCE_URL: sim.url,
      APPLIANCE_USERNAME: sim.config().username,
      APPLIANCE_PASSWORD: sim.config().password,
      PLUGIN_GRAPH_AUTH: 'none',
      REDIS_URL: redis.url,
      LOG_LEVEL: 'info', // startServerProcess waits for the start-up line
      ...env,
    });
    const child = server.proc;
    open.push({ close: async () => void child.kill('SIGKILL') });
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: INSTALL, variables: { version: '9.0.3.0' } }),
    });
    const id = ((await res.json()) as GraphQLResponse<InstallResult>).data!.installUpdate.task!.id;
    return { child, id };
  }

  it('mutate on one, subscribe on the other: streamed to SUCCESS, polled as if by one instance', async () => {
    const { a, b } = await two(1_000);
    const res = await a.gql<InstallResult>(INSTALL, { version: '9.0.3.0' });
    const id = res.data!.installUpdate.task!.id;

    // B has never seen the task: it answers from the shared store and the shared change stream.
    const queried = await b.gql<{ task: { status: string } }>(
      'query($id: ID!) { task(id: $id) { status } }',
      { id },
    );
    expect(queried.data?.task?.status).toMatch(/QUEUED|RUNNING/);
    const [overWs, overSse] = await Promise.all([
      followWs(b.http.wsUrl, id),
      followSse(b.http.url, id),
    ]);
    for (const events of [overWs, overSse]) {
      expect(events.length).toBeGreaterThan(2);
      expect(events.at(-1)).toMatchObject({ status: 'SUCCESS', progress: 100 });
      expect(events.at(-1)?.completedAt).toBeTruthy();
      expectMonotonic(events);
    }
    const done = await b.gql<{ task: { status: string } }>(
      'query($id: ID!) { task(id: $id) { status } }',
      { id },
    );
    expect(done.data?.task?.status).toBe('SUCCESS');

    // Exactly one instance polled (one appliance session, poll rounds on one instance only), at
    // one poller's rate: each of its rounds ended with exactly one more poll (the last round may
    // still be ending when the subscribers have their last event: at most one poll ahead).
    expect(new Set(pollSessions(sim)).size).toBe(1);
    const polls = sim.server.count(TASK_POLLS);
    expect(polls).toBeGreaterThan(3);
    const polled = rounds.a.length > 0 ? rounds.a : rounds.b;
    expect([rounds.a, rounds.b].filter((r) => r.length > 0)).toHaveLength(1);
    expect(polled).toEqual(polled.map((_, i) => ({ tasks: 1, polls: i + 1 })));
    expect(polls).toBeLessThanOrEqual(polled.length + 1);

    // Finished: no lease left, not live any more, kept for TASK_TTL_SECONDS by Redis expiry.
    const objectId = decodeGlobalID(id).id;
    // The lease is released right after the terminal state is published: wait for it, bounded.
    await waitFor(
      async () => (await inspect.exists(`plugin-graph:lease:${objectId}`)) === 0,
      'the lease to be released',
    );
    expect(await inspect.sismember('plugin-graph:tasks:live', objectId)).toBe(0);
    const ttl = await inspect.pttl(`plugin-graph:task:${objectId}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(86_400_000);
  });

  it('the target lock holds across instances: ConflictError on the other, one vendor call', async () => {
    const { a, b } = await two(1_000);
    const first = await a.gql<InstallResult>(INSTALL, { version: '9.0.3.0' });
    expect(first.data?.installUpdate.__typename).toBe('InstallUpdatePayload');
    const second = await b.gql<InstallResult>(INSTALL, { version: '9.1.0.0' });
    expect(second.data?.installUpdate).toMatchObject({
      __typename: 'ConflictError',
      code: 'CONFLICT',
      task: { id: first.data?.installUpdate.task?.id },
    });
    expect(sim.server.count({ method: 'POST', path: /\/actions\/install$/ })).toBe(1);

    // Once the task has ended, the lock is free again, from either instance.
    await followSse(b.http.url, first.data!.installUpdate.task!.id);
    const third = await b.gql<InstallResult>(INSTALL, { version: '9.1.0.0' });
    expect(third.data?.installUpdate.__typename).toBe('InstallUpdatePayload');
  });

  it("a launch that waits out another instance's vendor call gets ConflictError with that pending task", async () => {
    sim = await startApplianceSimulator({ installMs: 200 });
    open.push(sim);
    const INSTALLS = { method: 'POST', path: /\/actions\/install$/ };
    let answer = () => {};
    sim.server.inject(
      { kind: 'held', until: new Promise<void>((r) => (answer = r)) },
      { match: (r) => INSTALLS.path.test(r.path), times: 1 },
    );
    // A's vendor call may run 2 x 5 s; B waits for a pending holder at most 2 x 0.5 s.
    const a = await instance(redis.url, sim, { backendTimeoutMs: 5_000 });
    open.push(a);
    const b = await instance(redis.url, sim, { backendTimeoutMs: 500 });
    open.push(b);
    const first = a.gql<InstallResult>(INSTALL, { version: '9.0.3.0' });
    await waitFor(
      async () => sim.server.count(INSTALLS) === 1,
      'the install to reach the appliance',
    );
    const pendingId = (
      await a.gql<{ tasks: { edges: { node: { id: string } }[] } }>(
        '{ tasks { edges { node { id } } } }',
      )
    ).data?.tasks.edges[0]?.node.id;
    expect(pendingId).toBeTruthy();

    const second = await b.gql<InstallResult>(INSTALL, { version: '9.0.3.0' });
    expect(second.errors).toBeUndefined();
    expect(second.data?.installUpdate).toMatchObject({
      __typename: 'ConflictError',
      code: 'CONFLICT',
      task: { id: pendingId },
    });
    expect(sim.server.count(INSTALLS)).toBe(1);
    answer();
    const launched = await first;
    expect(launched.data?.installUpdate.task?.id).toBe(pendingId);
  });

  it('two launches racing on two instances: exactly one reaches the vendor', async () => {
    const { a, b } = await two(1_000);
    const results = await Promise.all([
      a.gql<InstallResult>(INSTALL, { version: '9.0.3.0' }),
      b.gql<InstallResult>(INSTALL, { version: '9.0.3.0' }),
    ]);
    const kinds = results.map((r) => r.data?.installUpdate.__typename).sort();
    expect(kinds).toEqual(['ConflictError', 'InstallUpdatePayload']);
    expect(sim.server.count({ method: 'POST', path: /\/actions\/install$/ })).toBe(1);
  });

  it('a subscriber leaving unsubscribes its Redis channel', async () => {
    const { a, b } = await two(2_000);
    const res = await a.gql<InstallResult>(INSTALL, { version: '9.0.3.0' });
    const id = res.data!.installUpdate.task!.id;
    const channel = `plugin-graph:taskChanged:${decodeGlobalID(id).id}`; // REDIS_PREFIX default
    const controller = new AbortController();
    const stream = await fetch(b.http.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: PROGRESS, variables: { id } }),
      signal: controller.signal,
    });
    const reader = stream.body!.getReader();
    let text = '';
    while (!text.includes('event: next'))
      text += new TextDecoder().decode((await reader.read()).value);
    const subscribers = async () => {
      const [, count] = (await inspect.pubsub('NUMSUB', channel)) as [string, number];
      return Number(count);
    };
    expect(await subscribers()).toBe(1);
    controller.abort();
    await reader.cancel().catch(() => undefined);
    await waitFor(async () => (await subscribers()) === 0, 'no subscriber left');
  });

  it('an instance that dies mid-task: another takes the task over when its lease lapses', async () => {
    sim = await startApplianceSimulator({ installMs: 3_000 });
    open.push(sim);
    // A is a real server process (as `npm start` runs it), so that it can really die.
    const { child, id } = await processWithInstall({ TASK_POLL_INTERVAL_MS: '50' });
    const objectId = decodeGlobalID(id).id;
    // A polls, so it holds the lease. B starts only now: started earlier, its take-over scan
    // could take the lease between A storing the task and A asking for it (both are right, but
    // then nothing is handed over).
    await waitFor(async () => sim.server.count(TASK_POLLS) >= 2, 'two task polls');
    const b = await instance(redis.url, sim, { taskPollIntervalMs: 50 });
    open.push(b);
    const following = followWs(b.http.wsUrl, id);
    const holder = await inspect.get(`plugin-graph:lease:${objectId}`);
    expect(holder).toBeTruthy();
    const aSession = pollSessions(sim)[0];

    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL'); // no shutdown, no lease release: the lease must lapse
    await exited;

    const events = await following;
    expect(events.at(-1)).toMatchObject({ status: 'SUCCESS', progress: 100 });
    expectMonotonic(events);
    // The polls switched from A's session to B's once, never interleaved.
    const sessions = pollSessions(sim);
    const switches = sessions.filter((s, i) => i > 0 && s !== sessions[i - 1]).length;
    expect(sessions[0]).toBe(aSession);
    expect(switches).toBe(1);
    // The lease is released right after the terminal state is published: wait for it, bounded.
    await waitFor(
      async () => (await inspect.exists(`plugin-graph:lease:${objectId}`)) === 0,
      'the lease to be released',
    );
  });

  it('a task whose polls keep failing: the instance taking it over keeps the grace period running', async () => {
    sim = await startApplianceSimulator({ installMs: 60_000 });
    open.push(sim);
    // The breaker stays out of it: every failing poll reaches the appliance.
    const grace = {
      TASK_TRACKING_GRACE_MS: '2000',
      TASK_POLL_INTERVAL_MS: '50',
      BACKEND_BREAKER_FAILURES: '1000',
    };
    const { child, id } = await processWithInstall(grace);
    // A polls (it holds the lease) before B starts: see the test above.
    await waitFor(async () => sim.server.count(TASK_POLLS) >= 1, 'a task poll');
    const aSession = pollSessions(sim)[0];
    const b = await instance(redis.url, sim, {
      taskPollIntervalMs: 50,
      taskGraceMs: 2_000,
      breaker: { failureThreshold: 1_000, coolDownMs: 1_000 },
    });
    open.push(b);
    // From now on every task poll fails (the appliance restarting); A keeps polling, then dies.
    sim.server.inject(
      { kind: 'status', status: 503 },
      { match: (r) => TASK_POLLS.path.test(r.path) },
    );
    // The grace is counted from A's first failing poll, which A stores on the task. A dies 1 s
    // into it (counted from that mark, not from here: a loaded machine must not let the whole
    // grace run out on A, which would end the task itself and leave B nothing to poll).
    const failingSince = await waitFor(async () => {
      const stored = await inspect.get(`plugin-graph:task:${decodeGlobalID(id).id}`);
      const since = stored
        ? (JSON.parse(stored) as { pollFailingSince?: string }).pollFailingSince
        : undefined;
      return since ? Date.parse(since) : undefined;
    }, 'the first failing poll stored on the task');
    await new Promise((r) => setTimeout(r, Math.max(0, failingSince + 1_000 - Date.now())));
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;

    await waitFor(async () => {
      const r = await b.gql<{ task: { status: string; error?: { code: string } } }>(
        'query($id: ID!) { task(id: $id) { status error { code } } }',
        { id },
      );
      return r.data?.task.status === 'ERROR' ? r.data.task : undefined;
    }, 'the task to end ERROR').then((task) => expect(task.error?.code).toBe('TRACKING_LOST'));
    // B took over once A's lease lapsed (1 s); by then the 2 s grace that began on A had (nearly)
    // run out: B asks once or twice, not through a fresh grace period (~36 requests: polls every
    // 50 ms, each retried on 503).
    const bPolls = pollSessions(sim).filter((s) => s !== aSession).length;
    expect(bPolls).toBeGreaterThan(0);
    expect(bPolls).toBeLessThan(15);
  });

  it('an instance that dies during the vendor call: its task ends LAUNCH_INTERRUPTED once the launch window is over, and its lock frees', async () => {
    sim = await startApplianceSimulator({ installMs: 100 });
    open.push(sim);
    const INSTALLS = { method: 'POST', path: /\/actions\/install$/ };
    // The vendor never answers A's install: A dies with the call in flight.
    sim.server.inject(
      { kind: 'held', until: new Promise<void>(() => {}) },
      { match: (r) => INSTALLS.path.test(r.path), times: 1 },
    );
    const b = await instance(redis.url, sim);
    open.push(b);
    const server = await startServerProcess({
      APPLIANCE_URL: sim.url,
      APPLIANCE_USERNAME: sim.config().username,
      APPLIANCE_PASSWORD: sim.config().password,
      PLUGIN_GRAPH_AUTH: 'none',
      REDIS_URL: redis.url,
      // A's launch window: 2 x its backend deadline (its pending lock's expiry), 2 s here.
      BACKEND_TIMEOUT_MS: '1000',
      LOG_LEVEL: 'info',
    });
    const child = server.proc;
    open.push({ close: async () => void child.kill('SIGKILL') });
    void fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: INSTALL, variables: { version: '9.0.3.0' } }),
    }).catch(() => undefined); // A dies before it answers
    await waitFor(
      async () => sim.server.count(INSTALLS) === 1,
      'the install to reach the appliance',
    );
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;

    // The task A stored before its vendor call can never be polled (no vendor id): B ends it.
    type Tasks = {
      tasks: { edges: { node: { status: string; error: { code: string } | null } }[] };
    };
    const ended = await waitFor(async () => {
      const res = await b.gql<Tasks>('{ tasks { edges { node { status error { code } } } } }');
      const node = res.data?.tasks.edges[0]?.node;
      return node?.status === 'ERROR' ? node : undefined;
    }, 'the interrupted task to end ERROR');
    expect(ended.error?.code).toBe('LAUNCH_INTERRUPTED');
    // Its lock is free: the next install reaches the vendor instead of waiting for a dead task.
    const again = await b.gql<InstallResult>(INSTALL, { version: '9.0.3.0' });
    expect(again.data?.installUpdate.__typename).toBe('InstallUpdatePayload');
    expect(sim.server.count(INSTALLS)).toBe(2);
  });

  it('a change published while the change stream was down is caught up when it reconnects', async () => {
    sim = await startApplianceSimulator({ installMs: 60_000 });
    open.push(sim);
    const b = await instance(redis.url, sim);
    open.push(b);
    const res = await b.gql<InstallResult>(INSTALL, { version: '9.0.3.0' });
    const id = res.data!.installUpdate.task!.id;
    const objectId = decodeGlobalID(id).id;
    const channel = `plugin-graph:taskChanged:${objectId}`;
    let ended = false;
    const following = followSse(b.http.url, id).finally(() => {
      ended = true;
    });
    await waitFor(async () => {
      const [, count] = (await inspect.pubsub('NUMSUB', channel)) as [string, number];
      return Number(count) === 1;
    }, 'one subscriber on the task channel');
    // Polls fail from here on, so nothing but this test writes the task any more.
    sim.server.inject(
      { kind: 'status', status: 503 },
      { match: (r) => TASK_POLLS.path.test(r.path) },
    );
    const before = sim.server.count(TASK_POLLS);
    await waitFor(async () => sim.server.count(TASK_POLLS) >= before + 3, 'three more task polls');
    // The task finished and was stored, but its change never reached the subscriber (as when it
    // was published while the subscriber's connection was down: pub/sub keeps nothing).
    const key = `plugin-graph:task:${objectId}`;
    const stored = JSON.parse((await inspect.get(key)) ?? '{}') as Record<string, unknown>;
    const now = new Date(Date.now() + 1_000).toISOString();
    await inspect.set(
      key,
      JSON.stringify({
        ...stored,
        status: 'SUCCESS',
        progress: 100,
        completedAt: now,
        updatedAt: now,
      }),
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(ended).toBe(false); // nothing told the subscriber
    await inspect.client('KILL', 'TYPE', 'pubsub'); // the change stream's connection drops
    const events = await Promise.race([
      following,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('the subscription never caught up')), 5_000),
      ),
    ]);
    expect(events.at(-1)).toMatchObject({ status: 'SUCCESS', progress: 100 });
    expectMonotonic(events);
  });

  it('deployments with their own REDIS_PREFIX share one Redis without seeing each other', async () => {
    sim = await startApplianceSimulator({ installMs: 100 });
    open.push(sim);
    const channels: string[] = [];
    const listener = new Redis(redis.url);
    open.push({ close: async () => listener.disconnect() });
    listener.on('pmessage', (_pattern: string, channel: string) => channels.push(channel));
    await listener.psubscribe('*');
    const a = await instance(redis.url, sim, { redisPrefix: 'deployment-a:' });
    open.push(a);
    const b = await instance(redis.url, sim, { redisPrefix: 'deployment-b:' });
    open.push(b);

    const res = await a.gql<InstallResult>(INSTALL, { version: '9.0.3.0' });
    const id = res.data!.installUpdate.task!.id;
    const events = await followSse(a.http.url, id);
    expect(events.at(-1)).toMatchObject({ status: 'SUCCESS' });

    const onB = await b.gql<{ task: unknown; tasks: { edges: unknown[] } }>(
      'query($id: ID!) { task(id: $id) { status } tasks { edges { node { id } } } }',
      { id },
    );
    expect(onB.data?.task).toBeNull();
    expect(onB.data?.tasks.edges).toEqual([]);
    const keys = await inspect.keys('*');
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(key).toMatch(/^deployment-a:/);
    expect(channels.length).toBeGreaterThan(0);
    for (const channel of channels) expect(channel).toMatch(/^deployment-a:taskChanged:/);
  });
});
