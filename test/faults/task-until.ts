import { eventually, type GraphQLResponse } from '../helpers/runtime.ts';

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

/** The task once `ok` holds (bounded generously: a busy machine polls late, never wrongly). */
export function taskUntil(rt: Asks, id: string, ok: (task: TaskView) => boolean) {
  return eventually(async () => {
    const task = (await rt.gql<{ task: TaskView | null }>(TASK, { id })).data?.task;
    return task && ok(task) ? task : undefined;
  }, 15_000);
}
