import { afterEach, describe, expect, it } from 'vitest';
import { as } from '../audit/helpers.ts';
import type { TestRuntime } from '../helpers/runtime.ts';
import { closeTeams, EU_OP, ONLINE_STOPPED, sseAs, start, US_OP, VIEWER } from './teams.ts';

afterEach(closeTeams);

const START_TASK = `mutation($input: StartPluginInput!) {
  startPlugin(input: $input) { ... on StartPluginPayload { task { id endpoint } } }
}`;
type Started = { startPlugin: { task: { id: string; endpoint: string } } };

async function taskOn(t: TestRuntime, token: string, endpoint: string): Promise<string> {
  const res = await as<Started>(t, token, START_TASK, {
    input: { pluginCode: 'ndr', hostIds: [ONLINE_STOPPED], endpoint },
  });
  const id = res.data?.startPlugin.task.id;
  if (!id) throw new Error(`no task started on ${endpoint}: ${JSON.stringify(res)}`);
  return id;
}

/** A Task global id nothing has, of the same shape as `id`. */
function absentLike(id: string): string {
  const [type, native = ''] = Buffer.from(id, 'base64').toString().split(/:(.*)/s);
  const flipped = native.replace(/[0-9a-f](?=[^0-9a-f]*$)/, (c) => (c === '0' ? '1' : '0'));
  return Buffer.from(`${type}:${flipped}`).toString('base64');
}

const TASKS = '{ tasks(first: 10) { edges { node { endpoint } } } }';
type Tasks = { tasks: { edges: { node: { endpoint: string } }[] } };
const endpointsOf = (data: Tasks | null | undefined) =>
  data?.tasks.edges.map((e) => e.node.endpoint).sort();

/** `taskProgress` over SSE as `token`: the whole stream's text, events unchanged. */
const progress = (t: TestRuntime, token: string, id: string) =>
  sseAs(t, token, 'subscription($id: ID!) { taskProgress(id: $id) { endpoint status } }', { id });

describe.each(['memory', 'sqlite'] as const)(
  'scoped access: tasks of an invisible endpoint (%s)',
  (stores) => {
    it('tasks, task, nodes and taskProgress answer as for a task nothing has', async () => {
      const { t } = await start(undefined, stores);
      const eu = await taskOn(t, EU_OP, 'hss-eu');
      const us = await taskOn(t, US_OP, 'hss-us');
      expect(endpointsOf((await as<Tasks>(t, EU_OP, TASKS)).data)).toEqual(['hss-eu']);
      expect(endpointsOf((await as<Tasks>(t, US_OP, TASKS)).data)).toEqual(['hss-eu', 'hss-us']);
      expect(endpointsOf((await as<Tasks>(t, VIEWER, TASKS)).data)).toEqual(['hss-eu', 'hss-us']);
      // Paged in the store: the EU team's first page of one is its own task, not an empty page
      // left where the US task (the newest) was dropped after the store's slice.
      const one = await as<Tasks>(t, EU_OP, '{ tasks(first: 1) { edges { node { endpoint } } } }');
      expect(endpointsOf(one.data)).toEqual(['hss-eu']);

      const absent = absentLike(us);
      const TASK = 'query($id: ID!) { task(id: $id) { id } }';
      const invisible = await as(t, EU_OP, TASK, { id: us });
      expect(invisible.data).toEqual({ task: null });
      expect(invisible).toEqual(await as(t, EU_OP, TASK, { id: absent }));
      expect((await as(t, EU_OP, TASK, { id: eu })).data).toEqual({ task: { id: eu } });

      const NODE = 'query($ids: [ID!]!) { nodes(ids: $ids) { id } }';
      const invisibleNode = await as(t, EU_OP, NODE, { ids: [us] });
      expect(invisibleNode.data).toEqual({ nodes: [null] });
      expect(invisibleNode).toEqual(await as(t, EU_OP, NODE, { ids: [absent] }));

      const watched = await progress(t, EU_OP, us);
      expect(watched).toContain('NOT_FOUND');
      expect(watched.replaceAll(us, 'ID')).toBe(
        (await progress(t, EU_OP, absent)).replaceAll(absent, 'ID'),
      );
      expect(await progress(t, US_OP, us)).toContain('"endpoint":"hss-us"');
    });
  },
);
