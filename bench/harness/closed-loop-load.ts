import autocannon from 'autocannon';
import { cpuMicrosOf, ownWaits } from './proc-stats.ts';
import { CONNECTIONS, DURATION_S, WARMUP_S } from './settings.ts';
import type { Target } from './targets.ts';

export interface Throughput {
  readonly rps: number;
  /** HSS ListPlugins calls per request during the measured run, where counted. */
  readonly backendCallsPerRequest?: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  /** CPU the target's server process spent per request (µs), where its pid is known. */
  readonly serverCpuUsPerRequest?: number;
  /** Times the load generator blocked waiting for an answer, per request. */
  readonly loaderWaitsPerRequest?: number;
}

const per = (a: number | undefined, b: number | undefined, n: number) =>
  a === undefined || b === undefined || n === 0 ? undefined : (b - a) / n;

/** Closed loop: `connections` clients, each sending its next request when the last one ended. */
export async function cannon(target: Target, seconds: number, connections = CONNECTIONS) {
  return autocannon({
    url: target.url + target.path,
    method: target.method,
    headers: target.headers,
    ...(target.body === undefined ? {} : { body: target.body }),
    connections,
    duration: seconds,
  });
}

/** Warm-up, then a measured run; `backendCalls` counts vendor calls around the measured run. */
export async function throughput(
  target: Target,
  connections = CONNECTIONS,
  backendCalls?: () => Promise<number>,
): Promise<Throughput> {
  await cannon(target, WARMUP_S, connections);
  const before = await backendCalls?.();
  const cpu0 = cpuMicrosOf(target.pid);
  const waits0 = ownWaits();
  const r = await cannon(target, DURATION_S, connections);
  const cpu = per(cpu0, cpuMicrosOf(target.pid), r.requests.total);
  const waits = per(waits0, ownWaits(), r.requests.total);
  const after = await backendCalls?.();
  return {
    ...(cpu === undefined ? {} : { serverCpuUsPerRequest: cpu }),
    ...(waits === undefined ? {} : { loaderWaitsPerRequest: waits }),
    ...(before === undefined || after === undefined || r.requests.total === 0
      ? {}
      : { backendCallsPerRequest: (after - before) / r.requests.total }),
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.non2xx,
  };
}
