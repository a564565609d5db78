import { isFinished, type Rollout, type RolloutChange } from './types.ts';

/** A change applied to the state before it: its header, and its units written over theirs. */
export function applyChange(state: Rollout, change: RolloutChange): Rollout {
  const units = [...state.units];
  for (const unit of change.units) units[unit.index] = unit;
  return { ...change.header, units };
}

/**
 * A rollout's states from `current` on, built from its published changes (each carries only the
 * units it wrote, so that a change costs the same whatever the number of units). A change is
 * stored before it is published, so a change that skips a revision (one missed: pub/sub keeps
 * nothing across a lost connection) is caught up by reading the store, which has it. Ends after
 * the rollout's last state; closes `events` whichever way it ends.
 */
export async function* followChanges(
  current: Rollout,
  events: AsyncIterableIterator<RolloutChange> & { return?: () => Promise<unknown> },
  reread: () => Promise<Rollout | undefined>,
): AsyncGenerator<Rollout> {
  try {
    yield current;
    if (isFinished(current)) return;
    let state = current;
    for await (const change of events) {
      const revision = change.header.revision;
      if (revision <= state.revision) continue;
      const next = revision === state.revision + 1 ? applyChange(state, change) : await reread();
      if (!next || next.revision <= state.revision) continue;
      state = next;
      yield state;
      if (isFinished(state)) return;
    }
  } finally {
    await events.return?.();
  }
}
