import { afterEach, describe, expect, it } from 'vitest';
import { as } from '../audit/helpers.ts';
import {
  closeTeams,
  EU_LEAD,
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

const AUDIT = '{ auditLog(first: 50) { edges { node { actor { name } endpoint outcome } } } }';
type Audit = {
  auditLog: {
    edges: { node: { actor: { name: string }; endpoint: string | null; outcome: string } }[];
  };
};
const entries = (data: Audit | null | undefined) =>
  (data?.auditLog.edges ?? [])
    .map((e) => `${e.node.actor.name}@${e.node.endpoint}:${e.node.outcome}`)
    .sort();

describe('scoped access: the audit log and mutations before resolvers', () => {
  it.each(['memory', 'sqlite'] as const)(
    'auditLog shows an operator the entries of endpoints it operates, and its own (%s)',
    async (stores) => {
      const { t } = await start(undefined, stores);
      expect(
        (await as<Start>(t, EU_OP, START, startOn('hss-eu'))).data?.startPlugin?.__typename,
      ).toBe('StartPluginPayload');
      expect(
        (await as<Start>(t, US_OP, START, startOn('hss-us'))).data?.startPlugin?.__typename,
      ).toBe('StartPluginPayload');
      // The US team only views hss-eu: refused, audited as its own.
      expect(
        (await as<Start>(t, US_OP, START, startOn('hss-eu'))).errors?.[0]?.extensions?.code,
      ).toBe('FORBIDDEN');
      expect(entries((await as<Audit>(t, EU_OP, AUDIT)).data)).toEqual([
        'eu-op@hss-eu:ACCEPTED',
        'us-op@hss-eu:FORBIDDEN',
      ]);
      expect(entries((await as<Audit>(t, US_OP, AUDIT)).data)).toEqual([
        'us-op@hss-eu:FORBIDDEN',
        'us-op@hss-us:ACCEPTED',
      ]);
    },
  );

  it('a viewer token with an operator grant reaches the resolver; one without is refused first', async () => {
    const { t, eu, us } = await start();
    const own = await as<Start>(t, EU_LEAD, START, startOn('hss-eu'));
    expect(own.errors).toBeUndefined();
    expect(own.data?.startPlugin?.task?.endpoint).toBe('hss-eu');
    expect(starts(eu)).toBe(1);
    // Its grant does not reach hss-us, which it only views: the per-endpoint check refuses it.
    const other = await as<Start>(t, EU_LEAD, START, startOn('hss-us'));
    expect(other.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const viewer = await as<Start>(t, VIEWER, START, startOn('hss-eu'));
    expect(viewer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(viewer.data?.startPlugin ?? null).toBeNull();
    expect(starts(eu)).toBe(1);
    expect(starts(us)).toBe(0);
  });
});
