import { COMPRESS_MIN_BYTES } from '../../src/http/compress-answer.ts';
import { cannon } from '../harness/closed-loop-load.ts';
import type { ReadAnswer } from '../harness/compared-servers.ts';
import { GOALS } from '../harness/goals.ts';
import { fmt, type GoalRow, type Out } from '../harness/markdown.ts';
import { cpuMicrosOf } from '../harness/proc-stats.ts';
import { DURATION_S, ENCODINGS_ASKED, log } from '../harness/settings.ts';
import type { Target } from '../harness/targets.ts';

/**
 * Section 1's read with and without `Accept-Encoding` (src/http/compress-answer.ts), on the same
 * plugin-graph process. Browsers and undici's fetch ask for compression on every request; this
 * read's answer is small, so it must leave uncompressed and the header must cost next to
 * nothing. Two runs one after the other differ by 10–20 % on a shared VM (docs/benchmarks.md),
 * more than the difference looked for, so the two alternate in rounds (A B, B A, A B, …: a drift
 * over the rounds falls on both) and the figure is the geometric mean of the rounds' ratios. Six
 * rounds: with three, one slow spell moved the mean by 5 % (0.89–1.02 per round on 2026-12-07).
 */

export const ENCODING_ROUNDS = 6;

export interface EncodingRound {
  readonly without: number;
  readonly with: number;
  /** Server CPU µs per request, without and with, where /proc tells. */
  readonly cpuWithout?: number | undefined;
  readonly cpuWith?: number | undefined;
}

async function run(target: Target, seconds: number) {
  const cpu0 = cpuMicrosOf(target.pid);
  const r = await cannon(target, seconds);
  const cpu1 = cpuMicrosOf(target.pid);
  const perRequest =
    cpu0 === undefined || cpu1 === undefined || r.requests.total === 0
      ? undefined
      : (cpu1 - cpu0) / r.requests.total;
  return { rps: r.requests.average, cpu: perRequest, errors: r.errors + r.non2xx };
}

/** `plain` and `encoded` (the same server and read), alternating, each run half of DURATION_S. */
export async function measureEncoding(plain: Target, encoded: Target): Promise<EncodingRound[]> {
  log(`throughput: plugin-graph with and without Accept-Encoding, ${ENCODING_ROUNDS} rounds ...`);
  const seconds = Math.max(1, Math.round(DURATION_S / 2));
  const rounds: EncodingRound[] = [];
  for (let i = 0; i < ENCODING_ROUNDS; i++) {
    const order = i % 2 === 0 ? [plain, encoded] : [encoded, plain];
    const [first, second] = [
      await run(order[0] as Target, seconds),
      await run(order[1] as Target, seconds),
    ];
    const [a, b] = i % 2 === 0 ? [first, second] : [second, first];
    if (a.errors + b.errors > 0) throw new Error(`encoding round ${i + 1}: errors`);
    rounds.push({ without: a.rps, with: b.rps, cpuWithout: a.cpu, cpuWith: b.cpu });
  }
  return rounds;
}

/** The geometric mean of with / without over the rounds. */
export function encodingRatio(rounds: readonly EncodingRound[]): number {
  const logs = rounds.map((r) => Math.log(r.with / r.without));
  return Math.exp(logs.reduce((a, b) => a + b, 0) / logs.length);
}

/** Section 1's paragraph and table on it; its goal row goes into section 1's goal table. */
export function reportEncoding(
  out: Out,
  rounds: readonly EncodingRound[],
  answer: ReadAnswer,
): GoalRow {
  const ratio = encodingRatio(rounds);
  out(
    `The same read on the plugin-graph process with \`Accept-Encoding: ${ENCODINGS_ASKED}\` (what`,
  );
  out("browsers and undici's fetch send) and without, alternating in rounds of");
  out(
    `${Math.max(1, Math.round(DURATION_S / 2))} s each. Its answer is ${fmt(answer.bytes)} bytes and went out as \`${answer.encoding}\`:`,
  );
  out(
    `src/http/compress-answer.ts compresses JSON answers from ${COMPRESS_MIN_BYTES} bytes up, so this`,
  );
  out('shows what negotiating costs a small answer.');
  out();
  out(
    '| round | req/s without | req/s with | with / without | server CPU µs per request, without / with |',
  );
  out('| --- | ---: | ---: | ---: | ---: |');
  const cpu = (n: number | undefined) => (n === undefined ? '?' : n.toFixed(0));
  rounds.forEach((r, i) => {
    out(
      `| ${i + 1} | ${fmt(r.without)} | ${fmt(r.with)} | ${(r.with / r.without).toFixed(2)}× | ${cpu(r.cpuWithout)} / ${cpu(r.cpuWith)} |`,
    );
  });
  out();
  return {
    goal: `plugin-graph with \`Accept-Encoding: ${ENCODINGS_ASKED}\` ≥ ${GOALS.throughputWithEncoding}× without (geometric mean of the rounds)`,
    measured: `${ratio.toFixed(2)}×`,
    met: ratio >= GOALS.throughputWithEncoding,
  };
}
