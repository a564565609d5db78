import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisAuditStore } from '../../src/audit/redis-store.ts';
import {
  type ApplianceSimulator,
  startApplianceSimulator,
} from '../../src/backends/appliance/simulator.ts';
import { StoreDeadline } from '../../src/store/redis-deadline.ts';
import { type Instance, instance } from '../redis/instance.ts';
import { type RedisServer, SKIP_REDIS, startRedis } from '../redis/redis-server.ts';
import { ALICE, AUDIT_LOG, type AuditLogResult, as, BOB, tokenAuth } from './helpers.ts';

const DAY = 24 * 60 * 60 * 1000;
const PREFIX = 'audit-test:';

describe.skipIf(SKIP_REDIS)('the audit trail on Redis (REDIS_URL)', () => {
  let redis: RedisServer;
  let appliance: ApplianceSimulator;
  let a: Instance;
  let b: Instance;
  let client: Redis;
  let store: RedisAuditStore;

  beforeAll(async () => {
    redis = await startRedis();
    appliance = await startApplianceSimulator({ installMs: 50 });
    const extra = { ...tokenAuth(), redisPrefix: PREFIX };
    a = await instance(redis.url, appliance, extra);
    b = await instance(redis.url, appliance, extra);
    client = new Redis(redis.url);
    // The store as an instance builds it; entries in flight read INTERRUPTED after 10 s.
    store = new RedisAuditStore(client, PREFIX, new StoreDeadline(client, 2_000), 10_000);
  });

  afterAll(async () => {
    client?.disconnect();
    await Promise.all([a?.close(), b?.close()]);
    await appliance?.close();
    await redis?.stop();
  });

  it("one instance's mutations, allowed and refused, are listed by another, newest first", async () => {
    const install = await as<{ installUpdate: { __typename: string } }>(
      a,
      ALICE,
      'mutation { installUpdate(input: { version: "9.0.3.0" }) { __typename } }',
    );
    expect(install.data?.installUpdate.__typename).toBe('InstallUpdatePayload');
    const refused = await as(
      a,
      BOB,
      'mutation { installUpdate(input: { version: "9.0.3.0" }) { __typename } }',
    );
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const res = await as<AuditLogResult>(b, ALICE, AUDIT_LOG, { first: 10 });
    const nodes = res.data!.auditLog!.edges.map((e) => e.node);
    expect(nodes.map((n) => [n.actor.name, n.operation, n.outcome, n.errorCode])).toEqual([
      ['bob', 'installUpdate', 'FORBIDDEN', 'FORBIDDEN'],
      ['alice', 'installUpdate', 'ACCEPTED', null],
    ]);
    expect(nodes[1]?.task?.startedBy).toEqual({ name: 'alice', role: 'OPERATOR', via: 'token' });
    const bob = await as<AuditLogResult>(b, ALICE, AUDIT_LOG, { actor: 'bob' });
    expect(bob.data!.auditLog!.edges).toHaveLength(1);
  });

  it('trims entries older than AUDIT_RETENTION_DAYS (default 90)', async () => {
    const now = Date.now();
    for (const [id, daysAgo] of [
      ['old-1', 120],
      ['old-2', 91],
      ['kept', 89],
    ] as const) {
      await store.begin({
        id,
        at: new Date(now - daysAgo * DAY),
        actor: { name: 'carol', role: 'operator', via: 'token' },
        operation: 'installUpdate',
      });
      await store.complete(id, { outcome: 'REJECTED', errorCode: 'VALIDATION' });
    }
    const carol = async () =>
      (await as<AuditLogResult>(a, ALICE, AUDIT_LOG, { actor: 'carol' })).data!.auditLog!.edges;
    expect(await carol()).toHaveLength(3);
    expect(await a.runtime.audit.trim()).toBe(2);
    expect((await carol()).map((e) => e.node.errorCode)).toEqual(['VALIDATION']);
    expect(await store.get('old-1')).toBeUndefined();
    expect(await client.hlen(`${PREFIX}audit:entries`)).toBe(await client.zcard(`${PREFIX}audit`));
  });

  it('an entry whose completion never came reads FAILED / INTERRUPTED once past the window', async () => {
    await store.begin({
      id: 'cut-off',
      at: new Date(Date.now() - 60_000),
      actor: { name: 'dave', role: 'operator', via: 'jwt' },
      operation: 'installUpdate',
    });
    await store.begin({
      id: 'in-flight',
      at: new Date(),
      actor: { name: 'dave', role: 'operator', via: 'jwt' },
      operation: 'installUpdate',
    });
    const res = await as<AuditLogResult>(a, ALICE, AUDIT_LOG, { actor: 'dave' });
    expect(res.data!.auditLog!.edges.map((e) => [e.node.outcome, e.node.errorCode])).toEqual([
      ['FAILED', 'INTERRUPTED'],
    ]);
  });
});
