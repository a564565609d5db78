import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import type { Target } from './targets.ts';

export interface Latency {
  readonly p50: number;
  readonly p99: number;
  readonly sent: number;
  readonly failed: number;
}

/** Open loop at a fixed rate (not closed-loop like autocannon), microsecond timing. */
export async function fixedRate(target: Target, rate: number, seconds: number): Promise<Latency> {
  const pool = new Pool(target.url, { connections: 32 });
  const times: number[] = [];
  let failed = 0;
  const one = async () => {
    const t0 = performance.now();
    try {
      const res = await pool.request({
        method: target.method,
        path: target.path,
        headers: target.headers,
        ...(target.body === undefined ? {} : { body: target.body }),
      });
      await res.body.text();
      if (res.statusCode !== 200) failed++;
      else times.push(performance.now() - t0);
    } catch {
      failed++;
    }
  };
  const pending: Promise<void>[] = [];
  const run = async (secs: number) => {
    const started = performance.now();
    let sent = 0;
    for (;;) {
      const elapsed = performance.now() - started;
      if (elapsed >= secs * 1000) break;
      const due = Math.floor((elapsed * rate) / 1000);
      while (sent < due) {
        sent++;
        pending.push(one());
      }
      await sleep(1);
    }
    await Promise.all(pending);
    pending.length = 0;
    return sent;
  };
  await run(1); // warm
  times.length = 0;
  failed = 0;
  const sent = await run(seconds);
  await pool.close();
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? NaN;
  return { p50: at(0.5), p99: at(0.99), sent, failed };
}
