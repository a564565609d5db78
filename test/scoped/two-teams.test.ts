import { afterEach, describe, expect, it } from 'vitest';
import { as } from '../audit/helpers.ts';
import {
  closeTeams,
  EU_OP,
  START,
  type Start,
  start,
  startOn,
  starts,
  US_OP,
  VIEWER,
} from './teams.ts';

afterEach(closeTeams);

const PLUGINS = '{ plugins(first: 100) { edges { node { id endpoint } } } }';
type Plugins = { plugins: { edges: { node: { id: string; endpoint: string } }[] } };
const endpointsOf = (data: Plugins | null | undefined) =>
  [...new Set(data?.plugins.edges.map((e) => e.node.endpoint))].sort();

describe('scoped access: two teams over two HSS regions', () => {
  it('lists, backends and me show each caller exactly its endpoints', async () => {
    const { t } = await start();
    expect(endpointsOf((await as<Plugins>(t, EU_OP, PLUGINS)).data)).toEqual(['hss-eu']);
    expect(endpointsOf((await as<Plugins>(t, US_OP, PLUGINS)).data)).toEqual(['hss-eu', 'hss-us']);
    expect(endpointsOf((await as<Plugins>(t, VIEWER, PLUGINS)).data)).toEqual(['hss-eu', 'hss-us']);
    const backends = await as<{ backends: { endpoint: string; configured: boolean }[] }>(
      t,
      EU_OP,
      '{ backends { endpoint configured } }',
    );
    expect(backends.data?.backends.filter((b) => b.configured).map((b) => b.endpoint)).toEqual([
      'hss-eu',
    ]);
    const ME = '{ me { name role grants { endpoint role } } }';
    expect((await as(t, US_OP, ME)).data).toEqual({
      me: {
        name: 'us-op',
        role: 'OPERATOR',
        grants: [
          { endpoint: 'hss-eu', role: 'VIEWER' },
          { endpoint: 'hss-us', role: 'OPERATOR' },
        ],
      },
    });
    expect((await as(t, EU_OP, ME)).data).toEqual({
      me: { name: 'eu-op', role: 'OPERATOR', grants: [{ endpoint: 'hss-eu', role: 'OPERATOR' }] },
    });
  });

  it('an invisible endpoint answers exactly as one nothing is configured under', async () => {
    const { t } = await start();
    const node = (id: string) =>
      as(t, EU_OP, 'query($ids: [ID!]!) { nodes(ids: $ids) { id } }', {
        ids: [Buffer.from(`Plugin:${id}`).toString('base64')],
      });
    const invisible = await node('hss-us:ndr');
    const absent = await node('hss-xx:ndr');
    expect(invisible.data).toEqual({ nodes: [null] });
    expect(invisible).toEqual(absent);
    const named = (endpoint: string) =>
      as(t, EU_OP, 'query($e: String) { plugins(endpoint: $e, first: 1) { edges { cursor } } }', {
        e: endpoint,
      });
    const namedInvisible = await named('hss-us');
    expect(namedInvisible.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(namedInvisible).toEqual(await named('hss-xx'));
  });

  it('a mutation on an invisible endpoint is NOT_FOUND, on a viewed one FORBIDDEN and audited', async () => {
    const { t, eu, us } = await start();
    const invisible = await as<Start>(t, EU_OP, START, startOn('hss-us'));
    const absent = await as<Start>(t, EU_OP, START, startOn('hss-xx'));
    expect(invisible.data?.startPlugin?.__typename).toBe('ValidationError');
    expect(invisible).toEqual(absent);
    expect(JSON.stringify(invisible)).not.toContain('hss-us');
    const viewed = await as<Start>(t, US_OP, START, startOn('hss-eu'));
    expect(viewed.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(starts(eu) + starts(us)).toBe(0);
    const own = await as<Start>(t, US_OP, START, startOn('hss-us'));
    expect(own.data?.startPlugin?.task?.endpoint).toBe('hss-us');
    expect(starts(us)).toBe(1);
    expect(starts(eu)).toBe(0);
    const audit = await as<{
      auditLog: { edges: { node: { outcome: string; endpoint: string | null } }[] };
    }>(t, US_OP, '{ auditLog(actor: "us-op", first: 10) { edges { node { outcome endpoint } } } }');
    expect(audit.data?.auditLog.edges.map((e) => e.node)).toContainEqual({
      outcome: 'FORBIDDEN',
      endpoint: 'hss-eu',
    });
  });

  it("never serves one team another team's cached list", async () => {
    const { t } = await start();
    // Same role, same document, back to back: the second would be a cache hit under a
    // role-only session key.
    expect(endpointsOf((await as<Plugins>(t, US_OP, PLUGINS)).data)).toEqual(['hss-eu', 'hss-us']);
    expect(endpointsOf((await as<Plugins>(t, EU_OP, PLUGINS)).data)).toEqual(['hss-eu']);
    expect(endpointsOf((await as<Plugins>(t, US_OP, PLUGINS)).data)).toEqual(['hss-eu', 'hss-us']);
  });

  it('without a policy every role applies to every endpoint, as before', async () => {
    const { t } = await start(null);
    const us = await as<Plugins>(
      t,
      EU_OP,
      '{ plugins(endpoint: "hss-us", first: 1) { edges { node { id endpoint } } } }',
    );
    expect(endpointsOf(us.data)).toEqual(['hss-us']);
    const me = await as(t, EU_OP, '{ me { grants { endpoint role } } }');
    expect(me.data).toEqual({
      me: {
        grants: [
          { endpoint: 'hss-eu', role: 'OPERATOR' },
          { endpoint: 'hss-us', role: 'OPERATOR' },
        ],
      },
    });
  });
});
