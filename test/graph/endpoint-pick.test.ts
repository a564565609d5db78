import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/runtime.ts';
import { type DemoRuntime, startDemoRuntime } from '../helpers/demo-runtime.ts';

/**
 * Issue 28: with several endpoints of a backend and neither `endpoint` nor a global id, a
 * mutation acts on the one endpoint that has what it names; none or several having it is the
 * ValidationError on input.endpoint, naming the candidates. Over the demo fleet (two HSS
 * regions with different hosts, two appliances with different updates).
 */

let demo: DemoRuntime;
let runtime: Runtime;
beforeAll(async () => {
  demo = await startDemoRuntime();
  runtime = demo.runtime;
});
afterAll(async () => {
  await demo?.close();
});

async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await runtime.app.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data: T; errors?: unknown };
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  return body.data;
}

interface Answer {
  __typename: string;
  task?: { endpoint: string };
  fields?: { path: string[]; message: string }[];
}
const answer = (payload: string) => `__typename
  ... on ${payload} { task { endpoint } }
  ... on ValidationError { fields { path message } }`;

const installUpdate = async (version: string) =>
  (
    await gql<{ installUpdate: Answer }>(
      `mutation($v: String!) { installUpdate(input: { version: $v }) { ${answer('InstallUpdatePayload')} } }`,
      { v: version },
    )
  ).installUpdate;

const updatesOf = async (endpoint: string) =>
  (
    await gql<{ updates: { version: string }[] }>(
      'query($e: String) { updates(endpoint: $e) { version } }',
      { e: endpoint },
    )
  ).updates.map((u) => u.version);

describe('a mutation picks the one endpoint that has what it names', () => {
  it('installUpdate by a version only one appliance offers runs there', async () => {
    const [main, dr] = [await updatesOf('appliance'), await updatesOf('appliance-dr')];
    const only = main.find((v) => !dr.includes(v));
    expect(only).toBeDefined();
    const answer = await installUpdate(only ?? '');
    expect(answer).toEqual({ __typename: 'InstallUpdatePayload', task: { endpoint: 'appliance' } });
    const shared = main.find((v) => dr.includes(v));
    if (shared) {
      const ambiguous = await installUpdate(shared);
      expect(ambiguous.fields?.[0]?.message).toContain('appliance, appliance-dr all have it');
    }
  });

  it('a version no appliance offers is a ValidationError naming the ones asked', async () => {
    const answer = await installUpdate('9.9.9.9');
    expect(answer.__typename).toBe('ValidationError');
    expect(answer.fields).toEqual([
      {
        path: ['input', 'endpoint'],
        message: expect.stringContaining('none of them (appliance, appliance-dr) has it'),
      },
    ]);
  });

  it('startPlugin by native host ids of one region runs in that region', async () => {
    // A plugin of hss-ap and one of its hosts that hss does not have.
    const installsOf = async (endpoint: string) =>
      (
        await gql<{
          installations: { edges: { node: { nativeId: string; host: { nativeId: string } } }[] };
        }>(
          'query($e: String) { installations(first: 100, endpoint: $e) { edges { node { nativeId host { nativeId } } } } }',
          { e: endpoint },
        )
      ).installations.edges.map((e) => e.node);
    const eu = (await installsOf('hss')).map((i) => i.host.nativeId);
    const apInstall = (await installsOf('hss-ap')).find((i) => !eu.includes(i.host.nativeId));
    expect(apInstall).toBeDefined();
    const host = apInstall?.host.nativeId;
    const code = apInstall?.nativeId.split('@')[0];
    const res = await gql<{ startPlugin: Answer }>(
      `mutation($c: String!, $h: ID!) { startPlugin(input: { pluginCode: $c, hostIds: [$h] }) { ${answer('StartPluginPayload')} } }`,
      { c: code, h: host },
    );
    expect(res.startPlugin).toEqual({
      __typename: 'StartPluginPayload',
      task: { endpoint: 'hss-ap' },
    });
    // Hosts of both regions in one call: no one endpoint has them all.
    const euHost = eu[0];
    const mixed = await gql<{ startPlugin: Answer }>(
      `mutation($h: [ID!]) { startPlugin(input: { pluginCode: "ndr", hostIds: $h }) { ${answer('StartPluginPayload')} } }`,
      { h: [host, euHost] },
    );
    expect(mixed.startPlugin.fields?.map((f) => f.path)).toEqual([['input', 'endpoint']]);
  });
});
