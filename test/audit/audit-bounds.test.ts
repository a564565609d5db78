import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { AUDIT_ARGUMENT_LIMITS } from '../../src/audit/bound.ts';
import { REFUSAL_RATE } from '../../src/audit/refusals.ts';
import { SqliteAuditStore } from '../../src/audit/sqlite-store.ts';
import { AuditTrail } from '../../src/audit/trail.ts';
import { HealthMonitor } from '../../src/ops/health.ts';
import { openDatabase, type SqliteDatabase } from '../../src/store/sqlite.ts';
import { type FullRuntime, startFullRuntime } from '../helpers/full-runtime.ts';
import type { GraphQLResponse } from '../helpers/runtime.ts';
import { type Listening, listen } from '../subscriptions/helpers.ts';
import { ALICE, BOB, tokenAuth } from './helpers.ts';

/** The flood: 200 requests, each 15 aliased mutation fields of one 60 KB argument. */
const REQUESTS = 200;
const ALIASES = 15;
const BIG = 'x'.repeat(60_000);
const FLOOD = `mutation($v: String!) {\n${Array.from(
  { length: ALIASES },
  (_, i) => `  a${i}: installUpdate(input: { version: $v }) { __typename }`,
).join('\n')}\n}`;
/** Stored whole, as before: every attempt's 60 KB, once. */
const UNBOUNDED_BYTES = REQUESTS * ALIASES * BIG.length;
const GLEMM = 'g1eMmQrW3tH8kLpV0xYz2A';

interface CountedView {
  id: string;
  actor: { name: string };
  operation: string;
  outcome: string;
  arguments: unknown;
  argumentsTruncated: boolean;
  attempts: number;
}

const COUNTED_LOG = `query($actor: String, $after: String) {
  auditLog(actor: $actor, first: 100, after: $after) {
    edges { node { id actor { name } operation outcome arguments argumentsTruncated attempts } }
    pageInfo { hasNextPage endCursor }
  }
}`;

function dirBytes(dir: string): number {
  return readdirSync(dir).reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);
}

describe("a viewer's refused mutations cannot fill the disk (SQLite in a data dir, real HTTP)", () => {
  let t: FullRuntime;
  let dir: string;
  let db: SqliteDatabase;
  let trail: AuditTrail;
  let http: Listening;
  const logs: string[] = [];
  // The trail's clock: the rate windows move only when the test moves it.
  let clock = REFUSAL_RATE.windowMs * 30_000_000;
  let emptyBytes: number;

  const post = async <T>(token: string, query: string, variables?: Record<string, unknown>) => {
    const res = await fetch(http.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json',
        authorization: `Bearer ${token}`,
      },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as GraphQLResponse<T>;
  };

  /** All of one actor's entries, every page. */
  const entriesOf = async (actor: string) => {
    const out: CountedView[] = [];
    let after: string | null = null;
    for (;;) {
      const res: GraphQLResponse<{
        auditLog: {
          edges: { node: CountedView }[];
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
        };
      }> = await post(ALICE, COUNTED_LOG, { actor, after });
      expect(res.errors).toBeUndefined();
      const log = res.data!.auditLog;
      out.push(...log.edges.map((e) => e.node));
      if (!log.pageInfo.hasNextPage) return out;
      after = log.pageInfo.endCursor;
    }
  };

  /** `count` refused flood requests from bob, eight at a time. */
  const flood = async (count: number) => {
    const codes: unknown[] = [];
    for (let sent = 0; sent < count; sent += 8) {
      const batch = Math.min(8, count - sent);
      const answers = await Promise.all(
        Array.from({ length: batch }, () => post(BOB, FLOOD, { v: BIG })),
      );
      codes.push(...answers.map((a) => a.errors?.[0]?.extensions?.code));
    }
    return codes;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pg-audit-bounds-'));
    t = await startFullRuntime(tokenAuth());
    db = openDatabase(dir);
    const logger = pino({ level: 'debug' }, { write: (line: string) => logs.push(line) });
    trail = new AuditTrail({
      store: new SqliteAuditStore(db, 60_000, () => clock),
      logger,
      secrets: t.config.secrets,
      retentionDays: 90,
      now: () => clock,
    });
    const app = createApp({
      config: t.config,
      endpoints: t.runtime.endpoints,
      tracker: t.runtime.tracker,
      health: new HealthMonitor(t.runtime.endpoints),
      logger,
      authenticate: t.runtime.authenticate,
      callerKey: () => 'test',
      shutdown: new AbortController().signal,
      audit: trail,
    });
    http = await listen(app);
    emptyBytes = dirBytes(dir);
    // Two windows of the rate, half the flood in each.
    const first = await flood(REQUESTS / 2);
    clock += REFUSAL_RATE.windowMs;
    const second = await flood(REQUESTS / 2);
    expect([...first, ...second]).toEqual(Array(REQUESTS).fill('FORBIDDEN'));
  }, 120_000);

  afterAll(async () => {
    await http?.close();
    await t?.close();
    db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the SQLite file small while the count of refused attempts is exact', async () => {
    const grown = dirBytes(dir) - emptyBytes;
    // Unbounded, the flood stored 180 MB; bounded, it is entries of a few KB each.
    expect(grown).toBeLessThan(UNBOUNDED_BYTES / 50);
    expect(grown).toBeLessThan(4 * 1024 * 1024);

    const entries = await entriesOf('bob');
    expect(entries.every((e) => e.outcome === 'FORBIDDEN' && e.operation === 'installUpdate')).toBe(
      true,
    );
    expect(entries.reduce((sum, e) => sum + e.attempts, 0)).toBe(REQUESTS * ALIASES);
    // Per window: REFUSAL_RATE.stored entries of their own, then one entry counting the rest.
    const own = entries.filter((e) => e.attempts === 1);
    const counted = entries.filter((e) => e.attempts > 1);
    expect(own).toHaveLength(2 * REFUSAL_RATE.stored);
    expect(counted.map((e) => e.attempts)).toEqual(
      Array(2).fill((REQUESTS / 2) * ALIASES - REFUSAL_RATE.stored),
    );
    expect(counted.every((e) => e.arguments === null && e.argumentsTruncated)).toBe(true);
  });

  it('keeps a bounded copy of each stored attempt, and says it was cut', async () => {
    const own = (await entriesOf('bob')).filter((e) => e.attempts === 1);
    for (const entry of own) {
      expect(entry.argumentsTruncated).toBe(true);
      expect(Buffer.byteLength(JSON.stringify(entry.arguments))).toBeLessThanOrEqual(
        AUDIT_ARGUMENT_LIMITS.bytes,
      );
      const version = (entry.arguments as { input: { version: string } }).input.version;
      expect(version).toBe(
        `${BIG.slice(0, AUDIT_ARGUMENT_LIMITS.stringChars)}…[+${BIG.length - AUDIT_ARGUMENT_LIMITS.stringChars} chars]`,
      );
    }
  });

  it("keeps an operator's arguments readable: redacted, whole when small, bounded when not", async () => {
    const accepted = await post<{ installSuperClientPlugin: { __typename: string } }>(
      ALICE,
      `mutation($input: InstallSuperClientPluginInput!) { installSuperClientPlugin(input: $input) { __typename } }`,
      {
        input: {
          clientId: GLEMM,
          superClientId: t.config.backends.korap!.superClientId,
          superClientSecret: t.config.backends.korap!.superClientSecret,
        },
      },
    );
    expect(accepted.data?.installSuperClientPlugin.__typename).toBe(
      'InstallSuperClientPluginPayload',
    );
    const rejected = await post<{ installUpdate: { __typename: string } }>(
      ALICE,
      'mutation($v: String!) { installUpdate(input: { version: $v }) { __typename } }',
      { v: BIG },
    );
    expect(rejected.data?.installUpdate.__typename).toBe('ValidationError');

    const entries = await entriesOf('alice');
    const korap = entries.find((e) => e.operation === 'installSuperClientPlugin');
    expect(korap).toMatchObject({
      outcome: 'ACCEPTED',
      attempts: 1,
      argumentsTruncated: false,
      arguments: {
        input: {
          clientId: GLEMM,
          superClientId: t.config.backends.korap!.superClientId,
          superClientSecret: '[redacted]',
        },
      },
    });
    const install = entries.find((e) => e.operation === 'installUpdate');
    expect(install).toMatchObject({ outcome: 'REJECTED', argumentsTruncated: true, attempts: 1 });
    expect(JSON.stringify(install?.arguments).length).toBeLessThan(AUDIT_ARGUMENT_LIMITS.bytes);
  });

  it('keeps the log bounded the same way, and its lines count every attempt', async () => {
    // Closing the trail ends the window: the last counted entry's line is written.
    await trail.close();
    const bytes = logs.reduce((sum, line) => sum + Buffer.byteLength(line), 0);
    expect(bytes).toBeLessThan(UNBOUNDED_BYTES / 50);
    expect(bytes).toBeLessThan(2 * 1024 * 1024);
    const audit = logs
      .map((l) => JSON.parse(l) as { msg: string; actor?: { name: string }; attempts?: number })
      .filter((l) => l.msg === 'audit' && l.actor?.name === 'bob');
    expect(audit).toHaveLength(2 * REFUSAL_RATE.stored + 2);
    expect(audit.reduce((sum, l) => sum + (l.attempts ?? 1), 0)).toBe(REQUESTS * ALIASES);
    for (const line of logs) expect(Buffer.byteLength(line)).toBeLessThan(8 * 1024);
  });
});
