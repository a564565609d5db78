import { setTimeout as sleep } from 'node:timers/promises';
import type { Gql } from './graphql-client.ts';
import { tasks } from './tally.ts';
import { writesWithTask } from './write-check.ts';

/**
 * Task check: each task is followed until terminal while the store still keeps it (TTL); one that
 * vanishes before, or never ends once faults are lifted, is lost. A read failing with
 * STORE_UNAVAILABLE (Redis down) is asked again later, not counted lost.
 */

const TERMINAL = new Set(['SUCCESS', 'ERROR', 'CANCELLED']);

export function taskCheck(gql: Gql) {
  const pending = new Set<string>();
  const lost = new Set<string>();
  const done = new Set<string>();
  let checked = 0;
  const checkPending = async () => {
    for (const id of [...tasks]) {
      if (!pending.has(id) && !lost.has(id) && !done.has(id)) pending.add(id);
    }
    for (const id of [...pending]) {
      const res = await gql(
        'task',
        'query($id: ID!) { task(id: $id) { status operation nativeId } }',
        { id },
      );
      if (!res?.data) continue; // the request itself failed: ask again later
      // Redis down: the store could not say; ask again later.
      if (res.errors?.some((e) => e.extensions?.code === 'STORE_UNAVAILABLE')) continue;
      const task = res.data.task as {
        status?: string;
        operation?: string;
        nativeId?: string | null;
      } | null;
      const status = task?.status;
      // An install whose answer was lost learns the appliance's task id by reconciliation.
      if (task?.operation === 'INSTALL_UPDATE' && task.nativeId)
        writesWithTask.applianceInstalls.add(task.nativeId);
      if (status === undefined) lost.add(id);
      if (status === undefined || TERMINAL.has(status)) {
        pending.delete(id);
        if (status !== undefined) done.add(id);
      }
      checked++;
    }
  };
  return {
    /** Checks every second while the load runs (until `end`, or the server died). */
    async whileLoaded(end: number, died: () => boolean): Promise<void> {
      while (Date.now() < end && !died()) {
        await checkPending();
        await sleep(1_000);
      }
    },
    /** Once the vendors behave: every task left must reach a terminal state within 30 s. */
    async settle(died: () => boolean): Promise<void> {
      for (const until = Date.now() + 30_000; Date.now() < until && !died(); ) {
        await checkPending();
        if (pending.size === 0) break;
        await sleep(500);
      }
      for (const id of pending) lost.add(id);
    },
    report: (started: number) => ({
      started,
      finished: done.size,
      lost: lost.size,
      statusChecks: checked,
    }),
    problems(started: number): string[] {
      const problems: string[] = [];
      if (lost.size > 0) problems.push(`${lost.size} task(s) lost: ${[...lost].slice(0, 20)}`);
      if (started === 0) problems.push('no task was started');
      return problems;
    },
  };
}
