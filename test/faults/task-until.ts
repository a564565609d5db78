import type { GraphQLResponse } from '../helpers/runtime.ts';
import { waitFor } from '../helpers/wait-for.ts';

/** A task as the lost-answer tests read it. */
export type TaskView = {
  id: string;
  status: string;
  nativeId: string | null;
  error: { code: string } | null;
};

const TASK = 'query($id: ID!) { task(id: $id) { id status nativeId error { code } } }';

/** Either runtime helper: both answer a document in process. */
interface Asks {
  gql<T>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>>;
}

/** The task once `ok` holds; a failure quotes the task as last read. */
export function taskUntil(rt: Asks, id: string, ok: (task: TaskView) => boolean) {
  let last: TaskView | null | undefined;
  return waitFor(
    async () => {
      last = (await rt.gql<{ task: TaskView | null }>(TASK, { id })).data?.task;
      return last && ok(last) ? last : undefined;
    },
    `task ${id} to reach the state the test waits for`,
    { seen: () => last },
  );
}
