import { cannon, type Throughput, throughput } from '../harness/closed-loop-load.ts';
import { GOALS } from '../harness/goals.ts';
import { fmt, type Out, ratio } from '../harness/markdown.ts';
import { startRedis } from '../harness/processes.ts';
import { startPluginGraph } from '../harness/servers.ts';
import { CONNECTIONS, WARMUP_S } from '../harness/settings.ts';
import { startSims } from '../harness/simulators.ts';
import { graphqlTarget } from '../harness/targets.ts';
import { type FanOut, fanOut } from './fan-out.ts';

export interface ScaleOut {
  readonly one: Throughput;
  readonly two: Throughput[];
  readonly fan: FanOut;
}

/**
 * Scenario 5: one instance on Redis vs two, same load, then the fan-out across both. Undefined
 * when redis-server is not installed.
 */
export async function measureScaleOut(): Promise<ScaleOut | undefined> {
  const redis = await startRedis();
  if (!redis) return undefined;
  // Fresh simulators: the appliance of scenario 4 is still busy with the fan-out's install.
  const sims2 = await startSims();
  const a = await startPluginGraph(sims2.info, { REDIS_URL: redis.url });
  const one = await throughput(graphqlTarget('one instance', a.url));
  const b = await startPluginGraph(sims2.info, { REDIS_URL: redis.url });
  await cannon(graphqlTarget('b', b.url), WARMUP_S);
  const two = await Promise.all(
    [a, b].map((s) => throughput(graphqlTarget('two', s.url), CONNECTIONS / 2)),
  );
  const twoFan = await fanOut(sims2, [a, b]);
  const scale = { one, two, fan: twoFan };
  await Promise.all([a.stop(), b.stop()]);
  await redis.stop();
  await sims2.stop();
  return scale;
}

export function reportScaleOut(out: Out, scale: ScaleOut | undefined): void {
  out('## 5. Scale-out: two instances on Redis vs one');
  out();
  if (!scale) {
    out('Not measured: `redis-server` is not installed on this machine (`.ci/run` installs it).');
  } else {
    const twoRps = scale.two.reduce((a, r) => a + r.rps, 0);
    out(
      `Same read, same ${CONNECTIONS} connections in total (${CONNECTIONS / 2} per instance for two); both instances`,
    );
    out(
      'and the simulators share the same cores, so this shows the cost of the Redis backplane and',
    );
    out('that work spreads, not a speed-up a bigger machine would give.');
    out();
    out('| | req/s | p99 ms |');
    out('| --- | ---: | ---: |');
    out(`| one instance (REDIS_URL set) | ${fmt(scale.one.rps)} | ${fmt(scale.one.p99, 1)} |`);
    out(
      `| two instances, together | ${fmt(twoRps)} (${ratio(twoRps, scale.one.rps)}) | ${fmt(Math.max(...scale.two.map((r) => r.p99)), 1)} |`,
    );
    out();
    out(
      `Fan-out across both: ${scale.fan.subscribers} SSE subscribers split over the two instances on`,
    );
    out(
      `one task started on the first: ${scale.fan.pollsPerInterval.toFixed(2)} appliance polls per interval`,
    );
    out(
      `(goal ${GOALS.pollsPerInterval}: one lease holder polls, Redis fans the changes out), ${fmt(scale.fan.bytesPerSubscriber / 1024, 1)} KB`,
    );
    out('heap per subscriber summed over both.');
  }
  out();
}
