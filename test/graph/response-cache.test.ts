import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/app.ts';
import type { Catalog } from '../../src/backends/catalog.ts';
import type { CatalogBackend } from '../../src/backends/registry.ts';
import type { EndpointRef } from '../../src/domain/endpoint.ts';
import { InventoryStore, type InventoryView } from '../../src/inventory/store.ts';
import { HealthMonitor } from '../../src/ops/health.ts';
import { ALICE, BOB, tokenAuth } from '../audit/helpers.ts';
import { type FullRuntime, startFullRuntime } from '../helpers/full-runtime.ts';
import type { GraphQLResponse } from '../helpers/runtime.ts';

/**
 * Issue 25's section 1: a read built only from the inventory snapshots is answered again without
 * executing (schema/response-cache.ts) until a snapshot is replaced; live state (tasks, backend
 * status), errors, and another role's answer are never served from it. Execution is observed
 * through the snapshot reads a request makes (a real InventoryStore that counts them).
 */

class CountedInventory extends InventoryStore {
  reads = 0;
  override read(endpoint: EndpointRef<CatalogBackend>, source: Catalog): Promise<InventoryView> {
    this.reads++;
    return super.read(endpoint, source);
  }
}

let t: FullRuntime;
let inventory: CountedInventory;
let app: App;
beforeAll(async () => {
  t = await startFullRuntime(tokenAuth());
  inventory = new CountedInventory({ ...t.config.inventory, timeoutMs: 5_000 });
  app = createApp({
    config: t.config,
    endpoints: t.runtime.endpoints,
    tracker: t.runtime.tracker,
    health: new HealthMonitor(t.runtime.endpoints),
    logger: pino({ level: 'silent' }),
    authenticate: t.runtime.authenticate,
    callerKey: () => 'test',
    shutdown: new AbortController().signal,
    inventory,
  });
});
afterAll(async () => {
  await inventory?.close();
  await t?.close();
});

async function as<T>(token: string, query: string): Promise<GraphQLResponse<T>> {
  const res = await app.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  return (await res.json()) as GraphQLResponse<T>;
}

const LIST = '{ plugins(backend: HSS) { edges { node { id name status } } } }';

/** Snapshot reads one request made: 0 when its answer came from the cache. */
async function readsOf(token: string, query: string) {
  const before = inventory.reads;
  const res = await as(token, query);
  expect(res.errors).toBeUndefined();
  return { reads: inventory.reads - before, data: res.data };
}

describe('answers built from snapshots are cached until a snapshot changes', () => {
  it('the same read again executes nothing, with the same answer', async () => {
    await readsOf(ALICE, LIST); // the first read of the endpoint
    const first = await readsOf(ALICE, LIST);
    const again = await readsOf(ALICE, LIST);
    expect(first.reads + again.reads).toBeLessThanOrEqual(1);
    expect(again.reads).toBe(0);
    expect(again.data).toEqual(first.data);
  });

  it('per role: a viewer gets an answer of its own', async () => {
    expect((await readsOf(BOB, LIST)).reads).toBe(1);
    expect((await readsOf(BOB, LIST)).reads).toBe(0);
  });

  it('a replaced snapshot ends it', async () => {
    expect((await readsOf(ALICE, LIST)).reads).toBe(0);
    await inventory.changed('hss');
    expect((await readsOf(ALICE, LIST)).reads).toBe(1);
  });

  it('an answer with live state (BackendStatus) is executed every time', async () => {
    const MIXED = `{ backends { endpoint } plugins(backend: HSS) { edges { node { id } } } }`;
    await readsOf(ALICE, MIXED);
    expect((await readsOf(ALICE, MIXED)).reads).toBe(1);
    expect((await readsOf(ALICE, MIXED)).reads).toBe(1);
  });

  it('an answer with a null live field (Task) is executed every time', async () => {
    const NULL_TASK = '{ plugins(backend: HSS) { edges { node { id } } } task(id: "nope") { id } }';
    await as(ALICE, NULL_TASK);
    const before = inventory.reads;
    await as(ALICE, NULL_TASK);
    await as(ALICE, NULL_TASK);
    expect(inventory.reads - before).toBe(2);
  });

  it('an answer with an error is executed every time', async () => {
    t.sims.zstack.server.inject(
      { kind: 'status', status: 500 },
      { match: (r) => r.method === 'GET' },
    );
    const FAILING = '{ plugins(backend: ZSTACK) { edges { node { id } } } }';
    const answers = [await as(ALICE, FAILING), await as(ALICE, FAILING)];
    const before = inventory.reads;
    answers.push(await as(ALICE, FAILING));
    expect(answers.every((a) => (a.errors?.length ?? 0) > 0)).toBe(true);
    expect(inventory.reads - before).toBe(1);
  });
});
