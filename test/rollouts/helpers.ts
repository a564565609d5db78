import { afterEach } from 'vitest';
import { hssFleet } from '../../src/backends/hss/fixtures.ts';
import { type HssSimulator, startHssSimulator } from '../../src/backends/hss/simulator.ts';
import type { Config } from '../../src/config/index.ts';
import type { Rollout } from '../../src/rollouts/types.ts';
import { hssFileEndpoint } from '../helpers/hss-fleet.ts';
import { startTestRuntime, type TestRuntime } from '../helpers/runtime.ts';
import { waitFor } from '../helpers/wait-for.ts';

export const START_ROLLOUT = `mutation($input: StartRolloutInput!) {
  startRollout(input: $input) {
    __typename
    ... on StartRolloutPayload {
      rollout { id status maxConcurrency maxErrors canary haltedBecause
        counts { total pending running succeeded failed cancelled }
        units(first: 100) { edges { node { index endpoint status targets { id } error { code } } } } }
    }
    ... on ValidationError { fields { path message } }
  }
}`;

export interface RolloutResult {
  startRollout: {
    __typename: string;
    rollout?: {
      id: string;
      status: string;
      maxConcurrency: number;
      maxErrors: number;
      canary: number;
      counts: Record<string, number>;
      units: {
        edges: {
          node: { index: number; endpoint: string; status: string; targets: { id: string }[] };
        }[];
      };
    };
    fields?: { path: string[]; message: string }[];
  };
}

/** Host ids of `hssFleet(n)`, in order. */
export const fleetHost = (i: number) =>
  `0f1e2d3c-4b5a-4697-8a8b-${i.toString(16).padStart(12, '0')}`;

/** HSS start calls a simulator received. */
export const starts = (sim: HssSimulator) =>
  sim.server.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/start')).length;
/**
 * Completes the start of the `sent`-th unit at the simulator: once its start call has arrived and
 * the simulator holds a host `starting` (the request is counted before its body is handled, so
 * a step right after the count could come before the start and complete nothing).
 */
export async function stepStarted(sim: HssSimulator, sent: number): Promise<void> {
  await waitFor(
    () =>
      (starts(sim) >= sent && sim.hostsFor('ndr').some((r) => r.pluginStatus === 'starting')) ||
      undefined,
    `unit ${sent - 1} starting at the simulator`,
    { seen: () => ({ starts: starts(sim), rows: sim.hostsFor('ndr').map((r) => r.pluginStatus) }) },
  );
  sim.step();
}

/** Every write a simulator received. */
export const writes = (sim: HssSimulator) =>
  sim.server.requests.filter((r) => r.method !== 'GET').length;

export interface RolloutFleet {
  readonly t: TestRuntime;
  readonly eu: HssSimulator;
  readonly us: HssSimulator;
}

/**
 * Two HSS regions (`hss-eu`, `hss-us`), each a simulator with `hosts` hosts whose ndr plugin is
 * stopped; closed after each test of the calling file.
 */
export function useRolloutFleet(): (
  hosts: [number, number],
  options?: { stepMs?: number; config?: Partial<Config> },
) => Promise<RolloutFleet> {
  let t: TestRuntime | undefined;
  const sims: HssSimulator[] = [];
  afterEach(async () => {
    await t?.close();
    t = undefined;
    await Promise.all(sims.splice(0).map((s) => s.close()));
  });
  return async ([a, b], options = {}) => {
    const stepMs = options.stepMs ?? 0;
    const eu = await startHssSimulator({ stepMs, fixtures: hssFleet(a) });
    const us = await startHssSimulator({ stepMs, fixtures: hssFleet(b) });
    sims.push(eu, us);
    const endpoints = [hssFileEndpoint('hss-eu', eu, 0), hssFileEndpoint('hss-us', us, 1)];
    t = await startTestRuntime({ config: { ...options.config, endpoints } });
    return { t, eu, us };
  };
}

/**
 * Every state of a rollout from now to its end, through the runner's change feed;
 * `onState` sees each as it comes.
 */
export async function follow(
  t: TestRuntime,
  id: string,
  onState?: (rollout: Rollout) => void,
): Promise<Rollout[]> {
  const feed = await t.runtime.rollouts.watch(rawId(id));
  if (!feed) throw new Error(`rollout ${id} not found`);
  const seen: Rollout[] = [];
  for await (const rollout of feed) {
    seen.push(rollout);
    onState?.(rollout);
  }
  return seen;
}

/** A rollout's own id from its global id (`Rollout:<id>`, base64). */
export const rawId = (id: string) =>
  Buffer.from(id, 'base64')
    .toString('utf8')
    .replace(/^Rollout:/, '');

/** The most units RUNNING at once over the states seen. */
export const maxRunning = (states: readonly Rollout[]) =>
  Math.max(...states.map((s) => s.units.filter((u) => u.status === 'RUNNING').length));
