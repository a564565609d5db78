/**
 * The load every scenario shares, and every environment knob of `npm run bench` in one place
 * (docs/benchmarks.md). Read once at start-up: nothing changes them while the bench runs.
 */

export const CONNECTIONS = 20;
/** BENCH_WARMUP_S: closed-loop warm-up per target. */
export const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 3);
/** BENCH_DURATION_S: closed-loop measured run per target. */
export const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 8);
export const RATE = 500;
/** BENCH_RATE_S: open-loop measured run at RATE. */
export const RATE_S = Number(process.env.BENCH_RATE_S ?? 6);
export const SUBSCRIBERS = 1_000;
export const POLL_INTERVAL_MS = 1_000;
export const READ = '{ plugins(backend: HSS) { edges { node { name } } } }';
export const READ_BODY = JSON.stringify({ query: READ });
/** Section 1's row with compression negotiated: what browsers and undici's fetch send. */
export const ENCODINGS_ASKED = 'gzip, br';

/** Scenario 6: HSS endpoints in the fleet row, read by FLEET_READ at FLEET_RATE (20 calls a request). */
export const FLEET_ENDPOINTS = 20;
/** BENCH_FLEET_RATE: the fleet scenario's open-loop rate, moderate so 20 × it stays unsaturated. */
export const FLEET_RATE = Number(process.env.BENCH_FLEET_RATE ?? 50);
/** `first: 100`: the default page (20) would cut the 20 endpoints' 60 plugins short. */
export const FLEET_READ =
  '{ plugins(backend: HSS, first: 100) { edges { node { name endpoint } } failures { endpoint code } } }';

/** BENCH_ONLY=throughput|latency|fanout|fleet|taskstore|audit|cost|rollouts: a quick loop that prints its figure and leaves RESULTS.md alone. */
export const ONLY = process.env.BENCH_ONLY;
/** BENCH_LAT_TARGET=bare|apollo (default plugin-graph): the latency loop's target. */
export const LAT_TARGET = process.env.BENCH_LAT_TARGET;
/** BENCH_ROUNDS: rounds of the latency loop. */
export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** BENCH_TARGET_OUTPUT: file the latency loop saves its target's output to. */
export const TARGET_OUTPUT = process.env.BENCH_TARGET_OUTPUT;
/** BENCH_NODE_FLAGS: node flags added to the measured servers (e.g. --trace-gc-nvp). */
export const NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);

export const log = (line: string) => process.stdout.write(`${line}\n`);
