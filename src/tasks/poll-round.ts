import type { PollLimit } from './poll-limit.ts';
import type { Task, TaskObservation, TaskPoller, TaskPollSpec } from './types.ts';

/** What one poll said about one task: what the vendor showed, or why it could not tell. */
export type PollResult = { readonly seen: TaskObservation } | { readonly failed: unknown };

/** A task being polled: it has a poll spec. */
export type PolledTask = Task & { readonly poll: TaskPollSpec };

/**
 * One poll round of the tasks of one kind. A batch poller reads once per batch key for all the
 * tasks sharing it; any other poller asks once per task. Either way each read takes a slot of
 * the endpoint's PollLimit. Never throws: every task gets a result, in order.
 */
export async function pollTasks(
  poller: TaskPoller,
  tasks: readonly PolledTask[],
  limit: PollLimit,
): Promise<PollResult[]> {
  if (typeof poller === 'function') {
    return Promise.all(
      tasks.map((task) =>
        limit
          .run(endpointOf(task), () => poller(task.poll.params))
          .then(
            (seen): PollResult => ({ seen }),
            (failed: unknown): PollResult => ({ failed }),
          ),
      ),
    );
  }
  const results: PollResult[] = new Array(tasks.length);
  const batches = new Map<string, number[]>();
  tasks.forEach((task, i) => {
    try {
      const key = poller.batchKey(task.poll.params);
      const batch = batches.get(key) ?? [];
      batch.push(i);
      batches.set(key, batch);
    } catch (failed) {
      results[i] = { failed }; // params no batch can use: the poller says why
    }
  });
  await Promise.all(
    [...batches.values()].map(async (batch) => {
      const first = tasks[batch[0] as number] as PolledTask;
      try {
        const params = batch.map((i) => (tasks[i] as PolledTask).poll.params);
        const answers = await limit.run(endpointOf(first), () => poller.poll(params));
        batch.forEach((i, j) => {
          const answer = answers[j];
          results[i] =
            answer === undefined
              ? { failed: new Error('The batch poll gave no answer for this task') }
              : answer instanceof Error
                ? { failed: answer }
                : { seen: answer };
        });
      } catch (failed) {
        for (const i of batch) results[i] = { failed };
      }
    }),
  );
  return results;
}

function endpointOf(task: Task): string {
  return task.endpoint ?? task.backend;
}

/** One task's poll by itself (a batch of one): what a caller outside a round uses. */
export async function pollOne(
  poller: TaskPoller,
  params: TaskPollSpec['params'],
): Promise<TaskObservation> {
  if (typeof poller === 'function') return poller(params);
  const [answer] = await poller.poll([params]);
  if (answer === undefined) throw new Error('The batch poll gave no answer');
  if (answer instanceof Error) throw answer;
  return answer;
}
