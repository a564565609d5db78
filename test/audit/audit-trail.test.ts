import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { SqliteAuditStore } from '../../src/audit/sqlite-store.ts';
import { AuditTrail } from '../../src/audit/trail.ts';
import { unnamedTokenName } from '../../src/config/index.ts';
import { HealthMonitor } from '../../src/ops/health.ts';
import { openDatabase } from '../../src/store/sqlite.ts';
import { type FullRuntime, globalId, startFullRuntime } from '../helpers/full-runtime.ts';
import {
  ALICE,
  AUDIT_LOG,
  type AuditLogResult,
  as,
  BOB,
  type EntryView,
  tokenAuth,
  UNNAMED,
} from './helpers.ts';

const INSTALL_UPDATE = `mutation($version: String!) {
  installUpdate(input: { version: $version }) {
    __typename
    ... on InstallUpdatePayload { task { id } }
    ... on Error { code }
  }
}`;
const ONLINE_STOPPED = '0b3c6f0e-5a36-4cf3-9d6d-9a0d8e2f4c11';
const GLEMM = 'g1eMmQrW3tH8kLpV0xYz2A';

type Mutated = Record<string, { __typename: string; code?: string; task?: { id: string } }>;

async function allEntries(t: FullRuntime, variables: Record<string, unknown> = {}) {
  const res = await as<AuditLogResult>(t, ALICE, AUDIT_LOG, { first: 100, ...variables });
  expect(res.errors).toBeUndefined();
  return res.data!.auditLog!.edges.map((e) => e.node);
}

describe('the audit trail over a mixed run (SQLite in a data dir)', () => {
  let dir: string;
  let t: FullRuntime;
  /** What each mutation answered, by label. */
  const answers: Record<string, { data?: Mutated | undefined; errors?: unknown[] }> = {};
  let korapSecret: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pg-audit-'));
    t = await startFullRuntime({ ...tokenAuth(), dataDir: dir });
    korapSecret = t.config.backends.korap!.superClientSecret!;

    // Two identical installs at once: one starts, the other meets the lock (CONFLICT).
    const [first, second] = await Promise.all([
      as<Mutated>(t, ALICE, INSTALL_UPDATE, { version: '9.0.3.0' }),
      as<Mutated>(t, ALICE, INSTALL_UPDATE, { version: '9.0.3.0' }),
    ]);
    answers.install = first;
    answers.conflict = second;
    // A configured secret (alice's own token) given as an argument value: VALIDATION, redacted.
    answers.invalid = await as<Mutated>(
      t,
      ALICE,
      `mutation($code: String!) { stopPlugin(input: { pluginCode: $code }) { __typename ... on Error { code } } }`,
      { code: ALICE },
    );
    answers.notFound = await as<Mutated>(
      t,
      ALICE,
      `mutation { performPluginAction(input: { pluginId: "ID404", action: UNINSTALL }) { __typename ... on Error { code } } }`,
    );
    // ZStack down for the one call: an infrastructure error (FAILED).
    t.sims.zstack.server.inject({ kind: 'status', status: 503 }, { times: 1 });
    answers.failed = await as<Mutated>(
      t,
      ALICE,
      'mutation { refreshPluginDrivers(input: {}) { __typename } }',
    );
    // A viewer's document with two mutation fields: refused before any resolver, two entries.
    answers.forbidden = await as<Mutated>(
      t,
      BOB,
      `mutation { a: installUpdate(input: { version: "9.0.3.0" }) { __typename }
                  b: refreshPluginDrivers(input: { name: "x" }) { __typename } }`,
    );
    answers.unnamed = await as<Mutated>(
      t,
      UNNAMED,
      `mutation($hosts: [ID!]) { startPlugin(input: { pluginCode: "ndr", hostIds: $hosts }) { __typename ... on StartPluginPayload { task { id } } } }`,
      { hosts: [globalId('Host', `hss:${ONLINE_STOPPED}`)] },
    );
    answers.korap = await as<Mutated>(
      t,
      ALICE,
      `mutation($input: InstallSuperClientPluginInput!) { installSuperClientPlugin(input: $input) { __typename ... on InstallSuperClientPluginPayload { task { id } } } }`,
      {
        input: {
          clientId: GLEMM,
          superClientId: t.config.backends.korap!.superClientId,
          superClientSecret: korapSecret,
        },
      },
    );
  });

  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the mutations answered as expected (the run the trail must show)', () => {
    const typenames = [answers.install, answers.conflict].map(
      (a) => a?.data?.installUpdate?.__typename,
    );
    expect(typenames.sort()).toEqual(['ConflictError', 'InstallUpdatePayload']);
    expect(answers.invalid?.data?.stopPlugin?.code).toBe('VALIDATION');
    expect(answers.notFound?.data?.performPluginAction?.code).toBe('NOT_FOUND');
    expect(answers.failed?.errors).toBeDefined();
    expect(answers.unnamed?.data?.startPlugin?.__typename).toBe('StartPluginPayload');
    expect(answers.korap?.data?.installSuperClientPlugin?.__typename).toBe(
      'InstallSuperClientPluginPayload',
    );
  });

  it('lists every mutation, newest first, with actors, outcomes, errorCodes and task links', async () => {
    const entries = await allEntries(t);
    expect(entries).toHaveLength(9);
    const times = entries.map((e) => Date.parse(e.at));
    expect(times).toEqual([...times].sort((a, b) => b - a));

    const summary = entries
      .map(
        (e) =>
          `${e.actor.name}/${e.actor.role.toLowerCase()}/${e.actor.via} ${e.operation} ${e.outcome} ${e.errorCode}`,
      )
      .sort();
    const failedErrors = (answers.failed?.errors ?? []) as { extensions: { code: string } }[];
    const failedCode = failedErrors[0]?.extensions.code;
    expect(failedCode).toMatch(/^BACKEND_/);
    const anon = unnamedTokenName(UNNAMED);
    expect(summary).toEqual(
      [
        'alice/operator/token installUpdate ACCEPTED null',
        'alice/operator/token installUpdate REJECTED CONFLICT',
        'alice/operator/token stopPlugin REJECTED VALIDATION',
        'alice/operator/token performPluginAction REJECTED NOT_FOUND',
        `alice/operator/token refreshPluginDrivers FAILED ${failedCode}`,
        'bob/viewer/token installUpdate FORBIDDEN FORBIDDEN',
        'bob/viewer/token refreshPluginDrivers FORBIDDEN FORBIDDEN',
        `${anon}/operator/token startPlugin ACCEPTED null`,
        'alice/operator/token installSuperClientPlugin ACCEPTED null',
      ].sort(),
    );

    const accepted = entries.filter((e) => e.outcome === 'ACCEPTED');
    const launched = [
      answers.install?.data?.installUpdate?.task?.id ??
        answers.conflict?.data?.installUpdate?.task?.id,
      answers.unnamed?.data?.startPlugin?.task?.id,
      answers.korap?.data?.installSuperClientPlugin?.task?.id,
    ];
    expect(accepted.map((e) => e.task?.id).sort()).toEqual([...launched].sort());
    for (const entry of accepted) {
      expect(entry.task?.startedBy).toEqual(entry.actor);
      expect(entry.target).not.toBeNull();
    }
    const byOp = (op: string, outcome: string) =>
      entries.find((e) => e.operation === op && e.outcome === outcome) as EntryView;
    expect(byOp('installUpdate', 'ACCEPTED')).toMatchObject({
      backend: 'APPLIANCE',
      endpoint: 'appliance',
      target: { __typename: 'Update', id: globalId('Update', 'appliance:9.0.3.0') },
    });
    expect(byOp('startPlugin', 'ACCEPTED')).toMatchObject({
      backend: 'HSS',
      target: { __typename: 'Plugin', id: globalId('Plugin', 'hss:ndr') },
    });
    expect(byOp('refreshPluginDrivers', 'FAILED')).toMatchObject({ backend: 'ZSTACK', task: null });
    // A refusal before any resolver names no backend: nothing was looked at.
    expect(byOp('refreshPluginDrivers', 'FORBIDDEN')).toMatchObject({
      backend: null,
      arguments: { input: { name: 'x' } },
    });
  });

  it('redacts secrets in arguments: secret-named fields and values equal to a configured secret', async () => {
    const entries = await allEntries(t);
    const invalid = entries.find((e) => e.errorCode === 'VALIDATION');
    // operateAll is GraphQL's default, handed in like any argument.
    expect(invalid?.arguments).toEqual({ input: { pluginCode: '[redacted]', operateAll: false } });
    const korap = entries.find((e) => e.operation === 'installSuperClientPlugin');
    expect(korap?.arguments).toEqual({
      input: {
        clientId: GLEMM,
        superClientId: t.config.backends.korap!.superClientId,
        superClientSecret: '[redacted]',
      },
    });
    const text = JSON.stringify(entries);
    for (const secret of [ALICE, BOB, UNNAMED, korapSecret]) expect(text).not.toContain(secret);
  });

  it('writes one pino line `audit` per entry, holding no secret', () => {
    const lines = t.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    const audit = lines.filter((l) => l.msg === 'audit');
    expect(audit).toHaveLength(9);
    expect(audit.every((l) => l.level === 30)).toBe(true);
    expect(audit.map((l) => l.outcome)).toContain('FORBIDDEN');
    expect(audit.find((l) => l.operation === 'installSuperClientPlugin')).toMatchObject({
      actor: { name: 'alice', role: 'operator', via: 'token' },
      arguments: { input: { superClientSecret: '[redacted]' } },
    });
    const text = JSON.stringify(audit);
    for (const secret of [ALICE, BOB, UNNAMED, korapSecret]) expect(text).not.toContain(secret);
  });

  it('filters by actor, operation and since', async () => {
    expect((await allEntries(t, { actor: 'bob' })).map((e) => e.outcome)).toEqual([
      'FORBIDDEN',
      'FORBIDDEN',
    ]);
    const installs = await allEntries(t, { operation: 'installUpdate' });
    expect(installs).toHaveLength(3);
    const all = await allEntries(t);
    const middle = all[4]!;
    const since = await allEntries(t, { since: middle.at });
    expect(since.every((e) => Date.parse(e.at) >= Date.parse(middle.at))).toBe(true);
    expect(since.map((e) => e.id)).toContain(middle.id);
    expect(await allEntries(t, { actor: 'bob', operation: 'startPlugin' })).toEqual([]);
  });

  it('pages with (time, id) cursors that hold still while entries are added', async () => {
    const all = await allEntries(t);
    const page1 = await as<AuditLogResult>(t, ALICE, AUDIT_LOG, { first: 4 });
    const first = page1.data!.auditLog!;
    expect(first.edges.map((e) => e.node.id)).toEqual(all.slice(0, 4).map((e) => e.id));
    expect(first.pageInfo.hasNextPage).toBe(true);
    // A new entry, newer than every one listed: it must not shift the next page.
    await as(t, ALICE, INSTALL_UPDATE, { version: 'not a version' });
    const seen = first.edges.map((e) => e.node.id);
    let after = first.pageInfo.endCursor;
    for (;;) {
      const page = await as<AuditLogResult>(t, ALICE, AUDIT_LOG, { first: 4, after });
      const log = page.data!.auditLog!;
      seen.push(...log.edges.map((e) => e.node.id));
      if (!log.pageInfo.hasNextPage) break;
      after = log.pageInfo.endCursor;
    }
    expect(seen).toEqual(all.map((e) => e.id));
  });

  it("a viewer's auditLog is FORBIDDEN (non-null, as SPEC fixes it: data is null)", async () => {
    const res = await as<{ auditLog: unknown; tasks: { edges: unknown[] } }>(
      t,
      BOB,
      '{ auditLog { edges { cursor } } tasks(first: 1) { edges { cursor } } }',
    );
    expect(res.data ?? null).toBeNull();
    expect(res.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([
      [['auditLog'], 'FORBIDDEN'],
    ]);
    // Nor through node(id).
    const [entry] = await allEntries(t, { first: 1 });
    const byNode = await as<{ node: unknown }>(t, BOB, 'query($id: ID!) { node(id: $id) { id } }', {
      id: entry!.id,
    });
    expect(byNode.data?.node).toBeNull();
    expect(byNode.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const asOperator = await as<{ node: { id: string; operation: string } }>(
      t,
      ALICE,
      'query($id: ID!) { node(id: $id) { id ... on AuditEntry { operation } } }',
      { id: entry!.id },
    );
    expect(asOperator.data?.node).toEqual({ id: entry!.id, operation: entry!.operation });
  });

  it('survives a restart on the same data dir; an entry cut off mid-mutation reads FAILED / INTERRUPTED', async () => {
    const before = await allEntries(t);
    await t.close();
    // What a process killed between the first write and the outcome leaves behind.
    const db = openDatabase(dir);
    await new SqliteAuditStore(db, 60_000).begin({
      id: '00000000-0000-4000-8000-000000000001',
      at: new Date(),
      actor: { name: 'alice', role: 'operator', via: 'token' },
      operation: 'installUpdate',
      backend: 'appliance',
      arguments: { input: { version: '9.0.3.0' } },
    });
    db.close();

    t = await startFullRuntime({ ...tokenAuth(), dataDir: dir });
    const after = await allEntries(t);
    expect(after.slice(1).map((e) => [e.id, e.outcome, e.errorCode])).toEqual(
      before.map((e) => [e.id, e.outcome, e.errorCode]),
    );
    expect(after[0]).toMatchObject({
      id: expect.any(String),
      operation: 'installUpdate',
      outcome: 'FAILED',
      errorCode: 'INTERRUPTED',
      actor: { name: 'alice' },
    });
  });
});

describe('an audit store that cannot take the first write', () => {
  it('fails the mutation with STORE_UNAVAILABLE and the vendor is never called', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pg-audit-down-'));
    const t = await startFullRuntime(tokenAuth());
    try {
      const db = openDatabase(dir);
      const trail = new AuditTrail({
        store: new SqliteAuditStore(db, 60_000),
        logger: pino({ level: 'silent' }),
        secrets: [],
        retentionDays: 90,
      });
      db.close();
      const app = createApp({
        config: t.config,
        endpoints: t.runtime.endpoints,
        tracker: t.runtime.tracker,
        health: new HealthMonitor(t.runtime.endpoints),
        logger: pino({ level: 'silent' }),
        authenticate: t.runtime.authenticate,
        callerKey: () => 'test',
        shutdown: new AbortController().signal,
        audit: trail,
      });
      const sent = t.sims.appliance.server.count();
      const res = await app.fetch('http://localhost/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ALICE}` },
        body: JSON.stringify({ query: INSTALL_UPDATE, variables: { version: '9.0.3.0' } }),
      });
      const body = (await res.json()) as {
        data: unknown;
        errors: { extensions: { code: string } }[];
      };
      expect(body.data).toBeNull();
      expect(body.errors.map((e) => e.extensions.code)).toEqual(['STORE_UNAVAILABLE']);
      expect(t.sims.appliance.server.count()).toBe(sent);
    } finally {
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
