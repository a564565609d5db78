import { ApolloClient, gql, HttpLink, InMemoryCache } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  type ApplianceSimulator,
  startApplianceSimulator,
} from '../../src/backends/appliance/simulator.ts';
import { errorsCoded, requestsSeenBy, sha256 } from '../persisted/helpers.ts';
import { type Instance, instance } from './instance.ts';
import { type RedisServer, SKIP_REDIS, startRedis } from './redis-server.ts';

/**
 * Issue 28, scaled-out: a document registered through instance A (automatic persisted queries)
 * is found by instance B with its hash alone: Apollo Client's first request to B is its only one.
 */
describe.skipIf(SKIP_REDIS)('automatic persisted queries shared through Redis', () => {
  let redis: RedisServer;
  let appliance: ApplianceSimulator;
  let a: Instance;
  let b: Instance;

  beforeAll(async () => {
    redis = await startRedis();
    appliance = await startApplianceSimulator();
    a = await instance(redis.url, appliance);
    b = await instance(redis.url, appliance);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await appliance?.close();
    await redis?.stop();
  });

  const QUERY = gql`
    query SharedUpdates {
      updates {
        version
      }
    }
  `;
  const client = (url: string) =>
    new ApolloClient({
      link: new PersistedQueryLink({ sha256, useGETForHashedQueries: true }).concat(
        new HttpLink({ uri: url, fetch }),
      ),
      cache: new InMemoryCache(),
    });

  it('registered on A, a hit on B', async () => {
    const seenByA = requestsSeenBy(a.http.server);
    const seenByB = requestsSeenBy(b.http.server);

    const onA = await client(a.http.url).query({ query: QUERY });
    expect(seenByA.map((line) => line.split(' ')[0])).toEqual(['GET', 'POST']);
    expect(await errorsCoded(a.runtime.app, 'PERSISTED_QUERY_NOT_FOUND')).toBe(1);

    const onB = await client(b.http.url).query({ query: QUERY });
    expect(onB.data).toEqual(onA.data);
    expect(seenByB.map((line) => line.split(' ')[0])).toEqual(['GET']);
    expect(await errorsCoded(b.runtime.app, 'PERSISTED_QUERY_NOT_FOUND')).toBe(0);
  });

  it('with Redis down, a hash is a miss and the text still runs (the store is an optimization)', async () => {
    // A short Redis deadline: the outage is felt at once.
    const c = await instance(redis.url, appliance, { redisTimeoutMs: 300 });
    onTestFinished(() => c.close());
    await redis.stop();
    const seenByC = requestsSeenBy(c.http.server);
    const other = gql`
      query WhileRedisIsDown {
        backends {
          endpoint
        }
      }
    `;
    const answer = await client(c.http.url).query({ query: other });
    expect(answer.data).toEqual({ backends: expect.any(Array) });
    expect(seenByC.map((line) => line.split(' ')[0])).toEqual(['GET', 'POST']);
    expect(await errorsCoded(c.runtime.app, 'PERSISTED_QUERY_NOT_FOUND')).toBe(1);
  });
});
