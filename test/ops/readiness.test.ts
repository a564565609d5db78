import { mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DATABASE_FILE } from '../../src/store/sqlite.ts';
import { startTestRuntime, type TestRuntime } from '../helpers/runtime.ts';
import { INSTALL } from '../subscriptions/helpers.ts';

/**
 * SPEC §3: /readyz is 503 only when this instance cannot do its job (draining, its store failing
 * writes or its data file gone); a vendor endpoint being down keeps it 200, named in the body.
 */
describe('/readyz tells whether this instance can do its job', () => {
  let t: TestRuntime | undefined;
  const dirs: string[] = [];
  afterEach(async () => {
    await t?.close();
    t = undefined;
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const dataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'plugin-graph-ready-'));
    dirs.push(dir);
    return dir;
  };
  const readyz = async (rt: TestRuntime) => {
    const res = await rt.runtime.app.fetch('http://localhost/readyz');
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  /** The error lines about the store logged so far, parsed. */
  const errors = (rt: TestRuntime) =>
    rt.logs
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.level === 50 && l.store === 'sqlite');

  it('one endpoint down: 200, "degraded", the endpoint and its breaker in the body', async () => {
    t = await startTestRuntime({
      config: { breaker: { failureThreshold: 1, coolDownMs: 60_000 }, dataDir: dataDir() },
    });
    t.appliance.server.inject({ kind: 'status', status: 500 });
    const failed = await t.gql('{ updates { version } }');
    expect(failed.errors?.[0]?.extensions?.code).toBe('BACKEND_UNAVAILABLE');
    const ready = await readyz(t);
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({
      status: 'degraded',
      failing: [
        {
          backend: 'appliance',
          endpoint: 'appliance',
          code: 'BACKEND_CIRCUIT_OPEN',
          breaker: 'OPEN',
        },
      ],
    });
  });

  it('the database file deleted under the running server: 503 DATA_FILE_GONE, one error line', async () => {
    const dir = dataDir();
    t = await startTestRuntime({ config: { dataDir: dir } });
    expect(await readyz(t)).toEqual({ status: 200, body: { status: 'ready', failing: [] } });
    unlinkSync(join(dir, DATABASE_FILE));
    // Writes still succeed, into the unlinked file: a launch is no sign of health.
    const launched = await t.gql<{ installUpdate: { __typename: string } }>(INSTALL, {
      version: '9.0.3.0',
    });
    expect(launched.data?.installUpdate.__typename).toBe('InstallUpdatePayload');
    for (let i = 0; i < 2; i++) {
      const ready = await readyz(t);
      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({
        status: 'unavailable',
        failing: [{ store: 'sqlite', code: 'DATA_FILE_GONE', reason: expect.any(String) }],
      });
      // The body names no path.
      expect(JSON.stringify(ready.body)).not.toContain(dir);
    }
    // Logged once, as an error naming the file, however many probes ask.
    const lines = errors(t);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      code: 'DATA_FILE_GONE',
      file: join(dir, DATABASE_FILE),
    });
  });

  it('the database file replaced by another one: 503 DATA_FILE_REPLACED', async () => {
    const dir = dataDir();
    t = await startTestRuntime({ config: { dataDir: dir } });
    const other = join(dir, 'restored-copy');
    writeFileSync(other, '');
    renameSync(other, join(dir, DATABASE_FILE));
    const ready = await readyz(t);
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({
      failing: [{ store: 'sqlite', code: 'DATA_FILE_REPLACED' }],
    });
    expect(errors(t)).toEqual([expect.objectContaining({ code: 'DATA_FILE_REPLACED' })]);
  });

  it('writes failing (SQLITE_FULL): 503 while they fail, 200 once they succeed again', async () => {
    t = await startTestRuntime({ config: { dataDir: dataDir() } });
    const rt = t;
    const db = rt.runtime.database!;
    // A full disk: no page can be added to the database any more.
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages}`);
    // Each mutation writes its audit entry, lock and task into the pages left. A version the
    // appliance does not have (404): no task stays, so no poll writes in the background.
    let refused: string | undefined;
    let attempts = 0;
    while (refused === undefined && attempts++ < 500) {
      const res = await rt.gql(INSTALL, { version: '0.0.0' });
      const code = res.errors?.[0]?.extensions?.code;
      if (code === 'STORE_UNAVAILABLE') refused = code;
    }
    expect(refused).toBe('STORE_UNAVAILABLE');
    for (let i = 0; i < 2; i++) {
      const ready = await readyz(rt);
      expect(ready.status).toBe(503);
      expect(ready.body).toEqual({
        status: 'unavailable',
        failing: [
          { store: 'sqlite', code: 'STORE_WRITE_FAILED', reason: 'writes fail: SQLITE_FULL' },
        ],
      });
    }
    expect(errors(rt)).toEqual([
      expect.objectContaining({ code: 'STORE_WRITE_FAILED', reason: 'writes fail: SQLITE_FULL' }),
    ]);

    // Room again: the next probe's write succeeds, with no caller's write needed.
    db.pragma('max_page_count = 1073741823');
    expect(await readyz(rt)).toEqual({ status: 200, body: { status: 'ready', failing: [] } });
    expect(rt.logs.some((l) => l.includes('"was":"STORE_WRITE_FAILED"'))).toBe(true);
    const res = await rt.gql<{ installUpdate: { __typename: string } }>(INSTALL, {
      version: '9.0.3.0',
    });
    expect(res.data?.installUpdate.__typename).toBe('InstallUpdatePayload');
  });

  it('draining: 503 SHUTTING_DOWN', async () => {
    t = await startTestRuntime();
    expect((await readyz(t)).status).toBe(200);
    t.runtime.beginShutdown();
    const ready = await readyz(t);
    expect(ready).toEqual({
      status: 503,
      body: { status: 'unavailable', failing: [{ instance: 'draining', code: 'SHUTTING_DOWN' }] },
    });
  });
});
