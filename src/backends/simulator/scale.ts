import type { SimRequest, SimulatorServer } from './server.ts';

/**
 * What the generated fleets of SIMULATOR_SCALE (config/simulator-scale.ts) share: the list pages'
 * latency and the seeded hash of their statuses.
 */

/**
 * Per-page latency as the vendor's own: a sticky latency fault on the list pages only (it
 * survives clearFaults, like any behaviour of the simulated vendor).
 */
export function addPageLatency(
  server: SimulatorServer,
  ms: number,
  isPage: (req: SimRequest) => boolean,
): void {
  if (ms > 0) server.inject({ kind: 'latency', ms }, { match: isPage, sticky: true });
}

/** A deterministic 32-bit hash of a seed and two indices (a seeded fleet, no stored randomness). */
export function mix(seed: number, a: number, b = 0): number {
  let h = (seed ^ Math.imul(a + 1, 0x9e3779b1) ^ Math.imul(b + 1, 0x85ebca77)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}
