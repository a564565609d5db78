import { createPubSub } from 'graphql-yoga';
import type { TaskTracker } from '../tasks/tracker.ts';

import { RolloutDriver, type UnitLauncher } from './driver.ts';
import { canaryPassed } from './schedule.ts';
import type { RolloutStore } from './store.ts';
import {
  countUnits,
  isFinished,
  type Rollout,
  type RolloutCounts,
  type RolloutHeader,
  type RolloutStatus,
  type RolloutUnit,
  type RolloutUnitStatus,
} from './types.ts';

export interface RolloutRunnerOptions {
  readonly store: RolloutStore;
  readonly tracker: Pick<TaskTracker, 'get' | 'watch'>;
  /** ROLLOUT_MAX_UNITS: the most units a plan may have. */
  readonly maxUnits: number;
  readonly onError?: (err: unknown, during: string) => void;
}

type RolloutEvents = { rolloutChanged: [id: string, rollout: Rollout] };

/** Per status, for /metrics. */
export interface RolloutMetrics {
  readonly rollouts: ReadonlyMap<RolloutStatus, number>;
  readonly units: ReadonlyMap<RolloutUnitStatus, number>;
}

/**
 * Every rollout this instance drives (driver.ts), and the reads and changes of any rollout.
 * `start(launch)` begins: the launcher (resolvers/rollout-launch.ts) is handed in by the app,
 * which knows the endpoints; stored rollouts left running by a restart are taken over then.
 */
export class RolloutRunner {
  private readonly drivers = new Map<string, RolloutDriver>();
  private readonly pubsub = createPubSub<RolloutEvents>();
  private launch: UnitLauncher | undefined;
  private closed = false;

  constructor(private readonly options: RolloutRunnerOptions) {}

  get maxUnits(): number {
    return this.options.maxUnits;
  }

  /** Begins driving: every stored rollout RUNNING or PAUSED and not complete is taken over. */
  async start(launch: UnitLauncher): Promise<void> {
    this.launch = launch;
    const live = await this.options.store.list(['RUNNING', 'PAUSED', 'HALTED', 'CANCELLED']);
    for (const header of live) {
      if (isFinished(header) || this.drivers.has(header.id)) continue;
      const driver = this.driver(header, await this.options.store.units(header.id));
      await driver.resume();
    }
  }

  /** Stores a planned rollout; a RUNNING one starts its first units at once. */
  async create(header: RolloutHeader, units: readonly RolloutUnit[]): Promise<Rollout> {
    if (header.status === 'PLANNED') {
      await this.options.store.save(header, units);
      return { ...header, units };
    }
    // Every unit stored PENDING first; from then on a step writes the units it changes.
    await this.options.store.save(header, units);
    const driver = this.driver(header, units);
    await driver.kick();
    return driver.rollout;
  }

  async get(id: string): Promise<Rollout | undefined> {
    const driven = this.drivers.get(id);
    if (driven) return driven.rollout;
    const header = await this.options.store.get(id);
    return header && { ...header, units: await this.options.store.units(id) };
  }

  async list(statuses?: readonly RolloutStatus[]): Promise<RolloutHeader[]> {
    const stored = await this.options.store.list(statuses);
    return stored.map((h) => this.drivers.get(h.id)?.header ?? h);
  }

  /** The units of a rollout, from memory when driven here. */
  async units(id: string): Promise<readonly RolloutUnit[]> {
    return this.drivers.get(id)?.rollout.units ?? this.options.store.units(id);
  }

  /** Pause: no unit starts until resume; running ones go on. A no-op unless RUNNING. */
  pause(id: string): Promise<Rollout | undefined> {
    return this.change(id, (h) => (h.status === 'RUNNING' ? { ...h, status: 'PAUSED' } : h));
  }

  /** Resume: a PAUSED rollout runs again (after its canary: the rest starts). A no-op otherwise. */
  resume(id: string): Promise<Rollout | undefined> {
    return this.change(id, (h, units) =>
      h.status === 'PAUSED'
        ? { ...h, status: 'RUNNING', canaryPassed: h.canaryPassed || canaryPassed(h, units) }
        : h,
    );
  }

  /**
   * Cancel: no unit starts again and the pending ones are CANCELLED; running ones go on at the
   * vendor to their end. A no-op once the rollout is HALTED, SUCCEEDED or CANCELLED.
   */
  cancel(id: string): Promise<Rollout | undefined> {
    const driver = this.drivers.get(id);
    return this.change(id, (h) => {
      if (h.status !== 'RUNNING' && h.status !== 'PAUSED') return h;
      driver?.cancelPending();
      return { ...h, status: 'CANCELLED' };
    });
  }

  /**
   * The rollout now, then every change, ending after its last (its units all ended). Undefined
   * for an unknown id. Listens before reading, so no change in between is lost.
   */
  async watch(id: string): Promise<AsyncIterableIterator<Rollout> | undefined> {
    const events = this.pubsub.subscribe('rolloutChanged', id);
    const current = await this.get(id);
    if (!current) {
      await events.return?.();
      return undefined;
    }
    return follow(current, events);
  }

  /** Rollouts and units per status, over the stored rollouts. */
  async counts(): Promise<RolloutMetrics> {
    const rollouts = new Map<RolloutStatus, number>();
    const units = new Map<RolloutUnitStatus, number>();
    for (const header of await this.list()) {
      rollouts.set(header.status, (rollouts.get(header.status) ?? 0) + 1);
      const c: RolloutCounts = countUnits(await this.units(header.id));
      const add = (s: RolloutUnitStatus, n: number) => units.set(s, (units.get(s) ?? 0) + n);
      add('PENDING', c.pending);
      add('RUNNING', c.running);
      add('SUCCEEDED', c.succeeded);
      add('FAILED', c.failed);
      add('CANCELLED', c.cancelled);
    }
    return { rollouts, units };
  }

  /** Shutdown: no unit starts again here; a restart (or another instance) takes over. */
  close(): void {
    this.closed = true;
    for (const driver of this.drivers.values()) driver.stop();
  }

  private async change(
    id: string,
    update: (header: RolloutHeader, units: RolloutUnit[]) => RolloutHeader,
  ): Promise<Rollout | undefined> {
    const driver = this.drivers.get(id);
    if (driver) return driver.change(update);
    return this.get(id);
  }

  private driver(header: RolloutHeader, units: readonly RolloutUnit[]): RolloutDriver {
    const launch = this.launch;
    if (!launch || this.closed) throw new Error('the rollout runner is not started');
    const driver = new RolloutDriver(header, units, {
      store: this.options.store,
      tracker: this.options.tracker,
      launch,
      publish: (rollout) => {
        this.pubsub.publish('rolloutChanged', rollout.id, rollout);
        if (isFinished(rollout)) this.drivers.delete(rollout.id);
      },
      onError: (err, during) => this.options.onError?.(err, during),
    });
    this.drivers.set(header.id, driver);
    return driver;
  }
}

async function* follow(
  current: Rollout,
  events: AsyncIterableIterator<Rollout> & { return?: () => Promise<unknown> },
): AsyncIterableIterator<Rollout> {
  try {
    yield current;
    if (isFinished(current)) return;
    let seen = current.revision;
    for await (const rollout of events) {
      if (rollout.revision <= seen) continue;
      seen = rollout.revision;
      yield rollout;
      if (isFinished(rollout)) return;
    }
  } finally {
    await events.return?.();
  }
}
