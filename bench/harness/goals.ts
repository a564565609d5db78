/**
 * The goals every figure stands beside (SPEC §9), in one place. RESULTS.md prints these numbers
 * as they are written here, so a changed goal shows in the next report.
 */
export const GOALS = {
  /** plugin-graph's req/s at least this times bare graphql-yoga's on the same read. */
  throughputVsBare: 0.8,
  /** plugin-graph's req/s at least this times Apollo Server's. */
  throughputVsApollo: 1.5,
  /** ...and this times a bare graphql-yoga answering the same list from memory (issue 25). */
  throughputVsBareFromMemory: 1.5,
  /**
   * plugin-graph's req/s on the read with `Accept-Encoding: gzip, br` at least this times its
   * req/s without: a small answer stays uncompressed, so negotiation must cost next to nothing.
   */
  throughputWithEncoding: 0.95,
  /** Latency plugin-graph adds to the direct HSS call at RATE, median and p99. */
  addedP50Ms: 1,
  addedP99Ms: 3,
  /** One appliance poll per interval however many watch the task... */
  pollsPerInterval: 1,
  /** ...measured over five intervals, so one poll more at the window's edge (6 / 5) still meets it. */
  pollsPerIntervalAtMost: 1.2,
  /** V8 heap one SSE subscriber holds, after GC. */
  heapPerSubscriberKb: 20,
  /** Issue 17, cost growth: vendor calls of a first page at steady state, at any fleet size. */
  firstPageVendorCalls: 0,
  /** p50 of `hosts(first: 20)` at 10,000 hosts at most this times its p50 at 10 hosts. */
  p50LargeVsSmall: 1.5,
  /** Peak heap during a first-page request at most this times the idle heap. */
  peakHeapVsIdle: 1.5,
  /** Vendor reads per poll interval per plugin code, however many synthesized tasks are live. */
  liveTaskReadsPerIntervalPerCode: 1,
  /** Issue 29: a rollout sends one vendor call per unit (HSS: per hostsPerUnit hosts), no more. */
  rolloutCallsPerUnit: 1,
} as const;
