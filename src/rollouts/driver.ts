import { randomUUID } from 'node:crypto';
import type { TaskTracker } from '../tasks/tracker.ts';
import { isTerminal, type Task, type TaskError } from '../tasks/types.ts';
import { applyControl, type RolloutControl } from './controls.ts';
import { decide } from './schedule.ts';
import type { RolloutStore } from './store.ts';
import type { Rollout, RolloutChange, RolloutHeader, RolloutUnit } from './types.ts';

/**
 * Launches one unit: its audit entry, its plan rebuilt from the stored action, the task launched
 * under `unit.taskId` as the rollout's caller. Rejects with what refused it (ConflictError when
 * its target is busy); resolves with the task once the vendor took it.
 */
export type UnitLauncher = (header: RolloutHeader, unit: RolloutUnit) => Promise<Task>;

export interface DriverParts {
  readonly store: RolloutStore;
  readonly tracker: Pick<TaskTracker, 'get' | 'watch'>;
  readonly launch: UnitLauncher;
  /** A new state, stored: published to `rolloutProgress` watchers, with what it changed. */
  readonly publish: (rollout: Rollout, change: RolloutChange) => void;
  readonly onError: (err: unknown, during: string) => void;
  /**
   * Redis: the controls other instances queued for this rollout (oldest first), read at each
   * step; those above the header's `controlSeq` are applied, in order.
   */
  readonly pendingControls?: (id: string) => Promise<readonly QueuedControl[]>;
  /**
   * A step's write failed (the store down, or Redis: the lease lost): this driver stops at once,
   * launching nothing it had not stored, and the rollout is driven again from what the store
   * holds (Redis: by whichever instance takes its lease; else at the next start).
   */
  readonly abandon: () => void;
}

/** A pause, resume or cancel sent to another instance, in the order they were sent. */
export interface QueuedControl {
  readonly seq: number;
  readonly control: RolloutControl;
}

/** A launch's refusal as the unit's error: the domain or backend code it carries. */
function refusal(err: unknown): TaskError {
  const code =
    (err as { code?: unknown }).code ??
    (err as { extensions?: { code?: unknown } }).extensions?.code;
  return {
    code: typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR',
    message: err instanceof Error ? err.message : String(err),
  };
}

/**
 * Drives one rollout on this instance: every change (a unit's end, pause, resume, cancel) runs
 * one scheduling step (schedule.ts), one at a time; the step's result is stored before any unit
 * it starts is launched, so each started unit's task id is in the store before its vendor call.
 * A unit's end is learned from its task's change feed, not by polling.
 */
export class RolloutDriver {
  private units: RolloutUnit[];
  private readonly dirty = new Set<number>();
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;
  /** Launches under way: shutdown waits for them before handing the rollout over. */
  private readonly launching = new Set<Promise<unknown>>();
  /** The header was changed outside a step (pause, resume, cancel) and is not stored yet. */
  private headerChanged = false;

  constructor(
    public header: RolloutHeader,
    units: readonly RolloutUnit[],
    private readonly parts: DriverParts,
  ) {
    this.units = [...units];
  }

  /** A snapshot: later changes do not show in it (a published state stays what it was). */
  get rollout(): Rollout {
    return { ...this.header, units: [...this.units] };
  }

  /**
   * Takes over a stored rollout (start-up): a RUNNING unit's task is followed when it is stored;
   * one not stored never reached the vendor (the task is stored before the vendor call) and is
   * launched now under the same id.
   */
  resume(): Promise<void> {
    return this.serial(async () => {
      for (const unit of this.units) {
        if (unit.status !== 'RUNNING' || unit.taskId === undefined) continue;
        const task = await this.parts.tracker.get(unit.taskId);
        if (task) void this.follow(unit.index, task.id);
        else void this.run(unit);
      }
      await this.step();
    });
  }

  /** Runs a step after whatever runs now. */
  kick(): Promise<void> {
    return this.serial(() => this.step());
  }

  /** Applies a pause, resume or cancel and runs a step; returns the rollout after it. */
  control(control: RolloutControl): Promise<Rollout> {
    return this.serial(async () => {
      this.apply(control);
      await this.step();
    }).then(() => this.rollout);
  }

  /**
   * Starts no more units (shutdown, or the lease lost); those running go on at the vendor.
   * Resolves once the launches under way have stored their task (or failed): only then may
   * another instance take the rollout over without launching one of them a second time.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled([...this.launching]);
  }

  private apply(control: RolloutControl): void {
    const { header, cancelled } = applyControl(control, this.header, this.units);
    if (header !== this.header) {
      this.header = header;
      this.headerChanged = true;
    }
    for (const i of cancelled) {
      this.units[i] = { ...(this.units[i] as RolloutUnit), status: 'CANCELLED' };
      this.dirty.add(i);
    }
  }

  /** Applies the controls queued by other instances that this rollout has not applied yet. */
  private async applyQueued(): Promise<void> {
    const queued = await this.parts.pendingControls?.(this.header.id);
    for (const { seq, control } of queued ?? []) {
      if (seq <= (this.header.controlSeq ?? 0)) continue;
      this.apply(control);
      // Stored even when it changed nothing: its sender waits for a state that has it.
      this.header = { ...this.header, controlSeq: seq };
      this.headerChanged = true;
    }
  }

  private serial(run: () => Promise<void>): Promise<void> {
    const next = this.chain.then(run);
    this.chain = next.catch((err: unknown) => this.parts.onError(err, `rollout ${this.header.id}`));
    return next;
  }

  private async step(): Promise<void> {
    if (this.stopped) return;
    await this.applyQueued();
    const now = new Date();
    const { header, start } = decide(this.header, this.units, now);
    const started = start.map((i) => {
      const unit = this.units[i] as RolloutUnit;
      const running: RolloutUnit = {
        ...unit,
        status: 'RUNNING',
        taskId: `${unit.endpoint}:${randomUUID()}`,
      };
      this.units[i] = running;
      this.dirty.add(i);
      return running;
    });
    const changed = this.headerChanged || header !== this.header || this.dirty.size > 0;
    if (!changed) return;
    this.headerChanged = false;
    this.header = { ...header, updatedAt: now, revision: this.header.revision + 1 };
    const units = [...this.dirty].map((i) => this.units[i] as RolloutUnit);
    this.dirty.clear();
    // Stored before any of the started units is launched: see `resume`.
    try {
      await this.parts.store.save(this.header, units);
    } catch (err) {
      this.stopped = true;
      this.parts.abandon();
      throw err;
    }
    this.parts.publish(this.rollout, { header: this.header, units });
    for (const unit of started) void this.run(unit);
  }

  /** Launches a unit, then follows its task to its end. */
  private async run(unit: RolloutUnit): Promise<void> {
    let task: Task;
    const launch = this.parts.launch(this.header, unit);
    this.launching.add(launch);
    try {
      task = await launch;
    } catch (err) {
      this.end(unit.index, 'FAILED', refusal(err));
      return;
    } finally {
      this.launching.delete(launch);
    }
    await this.follow(unit.index, task.id);
  }

  private async follow(index: number, taskId: string): Promise<void> {
    try {
      const feed = await this.parts.tracker.watch(taskId);
      if (!feed) {
        this.end(index, 'FAILED', { code: 'TRACKING_LOST', message: `task ${taskId} is gone` });
        return;
      }
      for await (const task of feed) {
        if (!isTerminal(task.status)) continue;
        if (task.status === 'SUCCESS') this.end(index, 'SUCCEEDED');
        else this.end(index, 'FAILED', task.error ?? { code: task.status, message: task.status });
        return;
      }
    } catch (err) {
      this.end(index, 'FAILED', refusal(err));
    }
  }

  private end(index: number, status: 'SUCCEEDED' | 'FAILED', error?: TaskError): void {
    const unit = this.units[index];
    if (unit?.status !== 'RUNNING') return;
    this.units[index] = { ...unit, status, ...(error && { error }) };
    this.dirty.add(index);
    void this.kick().catch(() => undefined);
  }
}
