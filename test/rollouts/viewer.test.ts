import { describe, expect, it } from 'vitest';
import { ALICE, AUDIT_LOG, type AuditLogResult, as, BOB, tokenAuth } from '../audit/helpers.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { type RolloutResult, START_ROLLOUT, starts, useRolloutFleet, writes } from './helpers.ts';

/**
 * Issue 29: rollouts change things, so startRollout, pauseRollout, resumeRollout and
 * cancelRollout need an operator: a viewer gets FORBIDDEN, nothing changes, nothing is sent,
 * and each refusal is an audit entry.
 */
const CHANGE = (field: string) =>
  `mutation($id: ID!) { ${field}(input: { id: $id }) { __typename } }`;
const READ = `query($id: ID!) { rollout(id: $id) { status counts { pending running cancelled } } }`;
type Read = { rollout: { status: string; counts: Record<string, number> } | null };

const fleet = useRolloutFleet();

describe('rollouts and a viewer', () => {
  it('a viewer gets FORBIDDEN for startRollout, pause, resume and cancel; each is audited', async () => {
    // A long HSS step: the operator's rollout keeps its first unit running meanwhile.
    const { t, eu } = await fleet([2, 0], { stepMs: 3_600_000, config: tokenAuth() });
    const input = { action: { startPlugin: { pluginCode: 'ndr' } }, hostsPerUnit: 1 };
    const mine = await as<RolloutResult>(t, ALICE, START_ROLLOUT, { input });
    const id = mine.data?.startRollout.rollout?.id as string;
    expect(mine.data?.startRollout.rollout?.status).toBe('RUNNING');
    await waitFor(() => starts(eu) === 1 || undefined, "the operator's first unit sent");
    const before = writes(eu);

    const started = await as<RolloutResult>(t, BOB, START_ROLLOUT, { input });
    expect(started.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(started.data?.startRollout ?? null).toBeNull();
    for (const field of ['pauseRollout', 'resumeRollout', 'cancelRollout']) {
      const r = await as(t, BOB, CHANGE(field), { id });
      expect(
        r.errors?.map((e) => e.extensions?.code),
        field,
      ).toEqual(['FORBIDDEN']);
    }
    // Nothing changed: the rollout still runs its first unit, no vendor call was made.
    const read = await as<Read>(t, BOB, READ, { id });
    expect(read.data?.rollout).toEqual({
      status: 'RUNNING',
      counts: { pending: 1, running: 1, cancelled: 0 },
    });
    expect(writes(eu)).toBe(before);
    const rollouts = await as<{ rollouts: { edges: unknown[] } }>(
      t,
      ALICE,
      '{ rollouts(first: 10) { edges { node { id } } } }',
    );
    expect(rollouts.data?.rollouts.edges).toHaveLength(1);

    const log = await as<AuditLogResult>(t, ALICE, AUDIT_LOG, { actor: 'bob', first: 100 });
    const refused = log.data?.auditLog?.edges.map((e) => `${e.node.operation} ${e.node.outcome}`);
    expect(refused?.sort()).toEqual([
      'cancelRollout FORBIDDEN',
      'pauseRollout FORBIDDEN',
      'resumeRollout FORBIDDEN',
      'startRollout FORBIDDEN',
    ]);
  });
});
