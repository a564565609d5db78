import { createPubSub, type PubSub } from 'graphql-yoga';
import type { TaskTracker } from '../tasks/tracker.ts';
import { applyControl, type RolloutControl } from './controls.ts';
import { RolloutDriver, type UnitLauncher } from './driver.ts';
import { followChanges } from './feed.ts';
import type { SharedRollouts } from './shared.ts';
import type { RolloutStore } from './store.ts';
import {
  countUnits,
  isFinished,
  type Rollout,
  type RolloutChange,
  type RolloutCounts,
  type RolloutHeader,
  type RolloutStatus,
  type RolloutUnit,
  type RolloutUnitStatus,
} from './types.ts';

/**
 * Rollout events: each stored change (`rolloutChanged`, per rollout) and, with Redis, a control
 * queued for the driving instance (`rolloutControl`, the rollout's id).
 */
export type RolloutEvents = {
  rolloutChanged: [id: string, change: RolloutChange];
  rolloutControl: [id: string];
};

export interface RolloutRunnerOptions {
  readonly store: RolloutStore;
  readonly tracker: Pick<TaskTracker, 'get' | 'watch'>;
  /** ROLLOUT_MAX_UNITS: the most units a plan may have. */
  readonly maxUnits: number;
  readonly onError?: (err: unknown, during: string) => void;
  /** Where changes are published; default in this process (Redis: every instance hears them). */
  readonly pubsub?: PubSub<RolloutEvents>;
  /** Scaled-out mode: leases and the control queue (shared.ts). */
  readonly shared?: SharedRollouts;
}

/** Per status, for /metrics. */
export interface RolloutMetrics {
  readonly rollouts: ReadonlyMap<RolloutStatus, number>;
  readonly units: ReadonlyMap<RolloutUnitStatus, number>;
}

/**
 * Every rollout this instance drives (driver.ts), and the reads and changes of any rollout.
 * `start(launch)` begins: the launcher (resolvers/rollout-unit.ts) is handed in by the app,
 * which knows the endpoints; stored rollouts left running by a restart are taken over then.
 * With Redis (`shared`), an instance drives the rollouts whose lease it holds and takes over
 * those whose lease lapsed, every third of a lease, as task polling does (tasks/polling.ts).
 */
export class RolloutRunner {
  private readonly drivers = new Map<string, RolloutDriver>();
  private readonly pubsub: PubSub<RolloutEvents>;
  private launch: UnitLauncher | undefined;
  private closed = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private ticking = false;
  private controls: (AsyncIterableIterator<string> & { return?: () => unknown }) | undefined;

  constructor(private readonly options: RolloutRunnerOptions) {
    this.pubsub = options.pubsub ?? createPubSub<RolloutEvents>();
  }

  get maxUnits(): number {
    return this.options.maxUnits;
  }

  /** Begins driving: every stored rollout left live is taken over (Redis: if nobody drives it). */
  async start(launch: UnitLauncher): Promise<void> {
    this.launch = launch;
    const { shared } = this.options;
    if (shared) {
      this.listenForControls();
      this.heartbeat = setInterval(() => void this.tick(), Math.max(10, shared.leaseMs / 3));
      this.heartbeat.unref();
      await this.tick();
      return;
    }
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
    // A new id: nobody else holds its lease. Taken first, since Redis stores only a holder's writes.
    await this.options.shared?.acquire(header.id);
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
    return this.control(id, 'pause');
  }

  /** Resume: a PAUSED rollout runs again (after its canary: the rest starts). A no-op otherwise. */
  resume(id: string): Promise<Rollout | undefined> {
    return this.control(id, 'resume');
  }

  /**
   * Cancel: no unit starts again and the pending ones are CANCELLED; running ones go on at the
   * vendor to their end. A no-op once the rollout is HALTED, SUCCEEDED or CANCELLED.
   */
  cancel(id: string): Promise<Rollout | undefined> {
    return this.control(id, 'cancel');
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
    return followChanges(current, events, () => this.get(id));
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

  /**
   * Shutdown: no unit starts again here; once the launches under way have stored their task, the
   * leases are handed over (Redis: another instance drives on at once; else the next start).
   */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.heartbeat);
    void this.controls?.return?.();
    const held = [...this.drivers.keys()];
    await Promise.allSettled([...this.drivers.values()].map((d) => d.stop()));
    this.drivers.clear();
    const { shared } = this.options;
    if (shared) await Promise.allSettled(held.map((id) => shared.release(id)));
  }

  /**
   * A control on the driving instance is applied at once. Another instance (Redis) queues it for
   * the driving one and answers with the first state that has it applied; when no instance
   * drives the rollout (its instance died, its lease not yet lapsed) it answers after a few
   * leases with the stored state, and the control is applied by whichever instance takes over.
   */
  private async control(id: string, control: RolloutControl): Promise<Rollout | undefined> {
    const driver = this.drivers.get(id);
    if (driver) return driver.control(control);
    const { shared } = this.options;
    const current = await this.get(id);
    if (!current || !shared) return current;
    if (applyControl(control, current, current.units).header === current) return current;
    const events = this.pubsub.subscribe('rolloutChanged', id);
    const states = followChanges(current, events, () => this.get(id));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), 3 * shared.leaseMs);
    });
    try {
      const seq = await shared.request(id, control);
      this.pubsub.publish('rolloutControl', id);
      const applied = (async () => {
        for await (const state of states) if ((state.controlSeq ?? 0) >= seq) return state;
        return undefined;
      })();
      return (await Promise.race([applied, late])) ?? (await this.get(id));
    } finally {
      clearTimeout(timer);
      // The subscription first: it ends a read still waiting, so the generator can end too.
      await events.return?.();
      void states.return(undefined);
    }
  }

  /** Redis: a control queued through another instance wakes the driver here, if it is here. */
  private listenForControls(): void {
    const controls = this.pubsub.subscribe('rolloutControl');
    this.controls = controls;
    void (async () => {
      for await (const id of controls) void this.drivers.get(id)?.kick();
    })().catch((err: unknown) => this.options.onError?.(err, 'rollout controls'));
  }

  /**
   * Redis, every third of a lease: renew the leases held (a rollout whose lease was lost is
   * driven elsewhere: stop here), let each driver look at its queued controls (a notification
   * lost with the connection costs one beat), and take over live rollouts nobody holds.
   */
  private async tick(): Promise<void> {
    const { shared, store } = this.options;
    if (!shared || this.ticking || this.closed) return;
    this.ticking = true;
    try {
      for (const id of await shared.renew([...this.drivers.keys()])) {
        void this.drivers.get(id)?.stop();
        this.drivers.delete(id);
      }
      for (const driver of this.drivers.values()) void driver.kick().catch(() => undefined);
      for (const id of await shared.live()) {
        if (this.closed) return;
        if (this.drivers.has(id) || !(await shared.acquire(id))) continue;
        // Read once the lease is ours: from now on nobody else writes it.
        const header = await store.get(id);
        if (!header || isFinished(header)) {
          await shared.release(id);
          continue;
        }
        await this.driver(header, await store.units(id)).resume();
      }
    } catch (err) {
      this.options.onError?.(err, 'rollout lease renewal and take-over scan');
    } finally {
      this.ticking = false;
    }
  }

  private driver(header: RolloutHeader, units: readonly RolloutUnit[]): RolloutDriver {
    const launch = this.launch;
    if (!launch || this.closed) throw new Error('the rollout runner is not started');
    const { shared } = this.options;
    const driver: RolloutDriver = new RolloutDriver(header, units, {
      store: this.options.store,
      tracker: this.options.tracker,
      launch,
      publish: (rollout, change) => {
        this.pubsub.publish('rolloutChanged', rollout.id, change);
        if (!isFinished(rollout)) return;
        this.drivers.delete(rollout.id);
        void shared?.release(rollout.id).catch(() => undefined);
      },
      onError: (err, during) => this.options.onError?.(err, during),
      ...(shared && { pendingControls: (id: string) => shared.pending(id) }),
      // Not renewed from now on: the lease lapses and an instance drives on from the store.
      abandon: () => {
        if (this.drivers.get(header.id) === driver) this.drivers.delete(header.id);
      },
    });
    this.drivers.set(header.id, driver);
    return driver;
  }
}
