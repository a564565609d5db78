import { afterEach, describe, expect, it } from 'vitest';
import { as } from '../audit/helpers.ts';
import type { TestRuntime } from '../helpers/runtime.ts';
import { START_ROLLOUT } from '../rollouts/helpers.ts';
import { closeTeams, EU_OP, sseAs, start, US_OP, VIEWER } from './teams.ts';

afterEach(closeTeams);

type Planned = {
  startRollout: {
    __typename: string;
    rollout?: { id: string; units: { edges: { node: { endpoint: string } }[] } };
    fields?: { path: string[]; message: string }[];
  };
};
const NDR = { startPlugin: { pluginCode: 'ndr' } };
const plan = (t: TestRuntime, token: string, endpoints?: string[]) =>
  as<Planned>(t, token, START_ROLLOUT, {
    input: { action: NDR, dryRun: true, ...(endpoints && { endpoints }) },
  });
const unitEndpoints = (res: { data?: Planned | null }) => [
  ...new Set(res.data?.startRollout.rollout?.units.edges.map((e) => e.node.endpoint)),
];

/** A Rollout global id nothing has, of the same shape as `id`. */
function absentLike(id: string): string {
  const [type, native = ''] = Buffer.from(id, 'base64').toString().split(/:(.*)/s);
  const flipped = native.replace(/[0-9a-f](?=[^0-9a-f]*$)/, (c) => (c === '0' ? '1' : '0'));
  return Buffer.from(`${type}:${flipped}`).toString('base64');
}

/** `rolloutProgress` over SSE as `token`: the whole stream's text. */
const progress = (t: TestRuntime, token: string, id: string) =>
  sseAs(t, token, 'subscription($id: ID!) { rolloutProgress(id: $id) { id status } }', { id });

const ROLLOUTS = '{ rollouts(first: 10) { edges { node { id } } } }';
type Rollouts = { rollouts: { edges: { node: { id: string } }[] } };
const idsOf = (data: Rollouts | null | undefined) => data?.rollouts.edges.map((e) => e.node.id);

describe('scoped access: rollouts', () => {
  it('startRollout covers only endpoints the caller operates', async () => {
    const { t } = await start();
    // Unnamed: every HSS endpoint the US team operates (it only views hss-eu).
    expect(unitEndpoints(await plan(t, US_OP))).toEqual(['hss-us']);
    const viewed = await plan(t, US_OP, ['hss-eu', 'hss-us']);
    expect(viewed.data?.startRollout.__typename).toBe('ValidationError');
    expect(viewed.data?.startRollout.fields?.map((f) => f.path)).toEqual([
      ['input', 'endpoints', '0'],
    ]);
    // Invisible: as a name nothing is configured under.
    const invisible = await plan(t, EU_OP, ['hss-us']);
    expect(invisible.data?.startRollout.__typename).toBe('ValidationError');
    const absent = await plan(t, EU_OP, ['hss-xx']);
    expect(JSON.stringify(invisible).replaceAll('hss-us', 'NAME')).toBe(
      JSON.stringify(absent).replaceAll('hss-xx', 'NAME'),
    );
    const viewerOnly = await plan(t, VIEWER);
    expect(viewerOnly.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it("another team's rollout is left out of rollouts, null for rollout and NOT_FOUND to watch", async () => {
    const { t } = await start();
    const us = (await plan(t, US_OP)).data?.startRollout.rollout?.id ?? '';
    const eu = (await plan(t, EU_OP)).data?.startRollout.rollout?.id ?? '';
    expect(us).not.toBe('');
    expect(eu).not.toBe('');
    expect(idsOf((await as<Rollouts>(t, EU_OP, ROLLOUTS)).data)).toEqual([eu]);
    expect(idsOf((await as<Rollouts>(t, US_OP, ROLLOUTS)).data)?.sort()).toEqual([eu, us].sort());

    const absent = absentLike(us);
    const ROLLOUT = 'query($id: ID!) { rollout(id: $id) { id } }';
    const invisible = await as(t, EU_OP, ROLLOUT, { id: us });
    expect(invisible.data).toEqual({ rollout: null });
    expect(invisible).toEqual(await as(t, EU_OP, ROLLOUT, { id: absent }));
    const NODE = 'query($ids: [ID!]!) { nodes(ids: $ids) { id } }';
    const node = await as(t, EU_OP, NODE, { ids: [us] });
    expect(node.data).toEqual({ nodes: [null] });
    expect(node).toEqual(await as(t, EU_OP, NODE, { ids: [absent] }));

    const watched = await progress(t, EU_OP, us);
    expect(watched).toContain('NOT_FOUND');
    expect(watched.replaceAll(us, 'ID')).toBe(
      (await progress(t, EU_OP, absent)).replaceAll(absent, 'ID'),
    );
    expect(await progress(t, US_OP, us)).toContain('"status":"PLANNED"');

    const CANCEL = `mutation($id: ID!) { cancelRollout(input: { id: $id }) { __typename } }`;
    const cancel = await as(t, EU_OP, CANCEL, { id: us });
    expect(cancel).toEqual(await as(t, EU_OP, CANCEL, { id: absent }));
  });
});
