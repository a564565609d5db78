import { afterEach, describe, expect, it } from 'vitest';
import { type FullRuntime, startFullRuntime } from '../helpers/full-runtime.ts';
import { type TaskView, taskUntil } from './task-until.ts';

/**
 * Issue 26.1 on SDM: a plug-in action whose answer is lost after SDM acted keeps its task and its
 * lock (OUTCOME_UNKNOWN), a retry is a ConflictError carrying that task, SDM receives the action
 * once, and the plug-in's members tell what became of it. A refusal SDM definitely answered, or
 * a connection refused before anything was sent, frees the target at once.
 */

const ACTION = `mutation($id: ID!) {
  performPluginAction(input: { pluginId: $id, action: INSTALL }) {
    __typename
    ... on PerformPluginActionPayload { task { id status error { code } } }
    ... on ConflictError { task { id status error { code } } }
    ... on Error { code }
  }
}`;
type Answer = {
  performPluginAction: { __typename: string; code?: string; task?: TaskView } | null;
};
const ACTIONS = { method: 'POST', path: '/rest/v1.3/admin/plugins/ID7/action' };
const isAction = (r: { method: string; path: string }) =>
  r.method === 'POST' && r.path.endsWith('/action');

let t: FullRuntime | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('SDM: a plug-in action whose answer is lost', () => {
  it.each(['hang', 'drop'] as const)(
    'acted, then %s: the task is kept OUTCOME_UNKNOWN, a retry is a ConflictError carrying it, SDM gets one POST, and the members resolve it',
    async (lost) => {
      // Members move slowly: the action is still under way whatever the machine's speed.
      const rt = await startFullRuntime({ backendTimeoutMs: 300 }, { sdm: { stepMs: 60_000 } });
      t = rt;
      rt.sims.sdm.server.inject({ kind: 'acted', lost }, { times: 1, match: isAction });

      const first = (await rt.gql<Answer>(ACTION, { id: 'ID7' })).data?.performPluginAction;
      expect(first).toMatchObject({
        __typename: 'PerformPluginActionPayload',
        task: { status: 'RUNNING', error: { code: 'OUTCOME_UNKNOWN' } },
      });
      const id = first?.task?.id as string;
      expect(rt.sims.sdm.plugin('ID7')?.running).toBe('install'); // SDM did act

      const retry = (await rt.gql<Answer>(ACTION, { id: 'ID7' })).data?.performPluginAction;
      expect(retry).toMatchObject({ __typename: 'ConflictError', task: { id } });

      // The members are INSTALLING: the action is SDM's, followed as any from now on.
      const adopted = await taskUntil(rt, id, (task) => task.status === 'RUNNING' && !task.error);
      expect(adopted.id).toBe(id);
      const again = (await rt.gql<Answer>(ACTION, { id: 'ID7' })).data?.performPluginAction;
      expect(again).toMatchObject({ __typename: 'ConflictError', task: { id } });

      rt.sims.sdm.finishActions();
      const done = await taskUntil(rt, id, (task) => task.status === 'SUCCESS');
      expect(done.error).toBeNull();
      expect(rt.sims.sdm.server.count(ACTIONS)).toBe(1);
    },
  );

  it('sent but never acted on: no sign in the members, so after the grace period the task ends NOT_STARTED and the target is free', async () => {
    const rt = await startFullRuntime({ backendTimeoutMs: 300, taskGraceMs: 200 });
    t = rt;
    rt.sims.sdm.server.inject({ kind: 'hang' }, { times: 1, match: isAction });

    const first = (await rt.gql<Answer>(ACTION, { id: 'ID7' })).data?.performPluginAction;
    expect(first?.task?.error?.code).toBe('OUTCOME_UNKNOWN');
    const id = first?.task?.id as string;
    const ended = await taskUntil(rt, id, (task) => task.status === 'ERROR');
    expect(ended.error?.code).toBe('NOT_STARTED');

    const retry = (await rt.gql<Answer>(ACTION, { id: 'ID7' })).data?.performPluginAction;
    expect(retry?.__typename).toBe('PerformPluginActionPayload');
    expect(retry?.task?.id).not.toBe(id);
    expect(rt.sims.sdm.server.count(ACTIONS)).toBe(2);
  });

  it.each([
    [400, 'BackendRejectedError'],
    [503, 'BACKEND_UNAVAILABLE'],
  ] as const)('a definite %s refusal frees the target at once', async (status, outcome) => {
    const rt = await startFullRuntime();
    t = rt;
    rt.sims.sdm.server.inject({ kind: 'status', status }, { times: 1, match: isAction });
    const refused = await rt.gql<Answer>(ACTION, { id: 'ID7' });
    const seen =
      refused.data?.performPluginAction?.__typename ?? refused.errors?.[0]?.extensions?.code;
    expect(seen).toBe(outcome);

    const retry = (await rt.gql<Answer>(ACTION, { id: 'ID7' })).data?.performPluginAction;
    expect(retry?.__typename).toBe('PerformPluginActionPayload');
    expect(rt.sims.sdm.server.count(ACTIONS)).toBe(2);
  });

  it('a connection refused before anything was sent frees the target at once', async () => {
    const rt = await startFullRuntime();
    t = rt;
    // Closed before any call: no kept-alive socket, every connection is refused (the login's).
    await rt.sims.sdm.close();

    const codes: unknown[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await rt.gql<Answer>(ACTION, { id: 'ID7' });
      // Not a ConflictError the second time: nothing holds the target.
      expect(res.data?.performPluginAction ?? null).toBeNull();
      codes.push(res.errors?.[0]?.extensions?.code);
    }
    expect(codes).toEqual(['BACKEND_UNAVAILABLE', 'BACKEND_UNAVAILABLE']);
    const tasks = await rt.gql<{ tasks: { edges: unknown[] } }>(
      '{ tasks(backend: SDM) { edges { node { id } } } }',
    );
    expect(tasks.data?.tasks.edges).toEqual([]);
  });
});
