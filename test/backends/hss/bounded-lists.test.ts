import { afterEach, describe, expect, it } from 'vitest';
import { HSS_FIXTURES, type HssFixtures } from '../../../src/backends/hss/fixtures.ts';
import type { SimRequest } from '../../../src/backends/simulator/server.ts';
import { type Rig, rig } from './helpers.ts';

/**
 * Issue 26.3: HSS lists as a misbehaving release or gateway sends them (the simulator's
 * `listFaults`, over real HTTP). Each plug-in is kept once, its status list is read once, a few
 * at a time, and paging stops when pages stop bringing new rows. The simulator's request counts
 * are the evidence.
 */

let r: Rig | undefined;
afterEach(async () => {
  await r?.close();
  r = undefined;
});

const LIST_PLUGINS = /\/plugins$/;
const LIST_STATUS = /\/plugins\/attachments$/;

function distinct(ids: readonly string[]): boolean {
  return new Set(ids).size === ids.length;
}

describe('hss lists with repeated rows', () => {
  it('38,000 copies of three plug-ins in one ListPlugins answer: three plug-ins, three status reads', async () => {
    // ~11 MB to parse and check: a deadline for the work, not for the vendor's speed.
    r = await rig({ listFaults: { lists: 'plugins', repeatRows: 12_667 } }, { timeoutMs: 60_000 });
    const reads = {}; // one refresh: the plug-in list is read (and parsed) once for both
    const inventory = await r.client.listInventory(reads);
    const plugins = await r.client.listPlugins(reads);
    expect(plugins.map((p) => p.nativeId)).toEqual(['ndr', 'edr', 'antivirus']);
    expect(r.sim.server.count({ path: LIST_PLUGINS })).toBe(1);
    // One status list per distinct code, each one page: not one per copy.
    expect(r.sim.server.count({ path: LIST_STATUS })).toBe(3);
    expect(distinct(inventory.installations.map((i) => i.nativeId))).toBe(true);
    expect(distinct(inventory.hosts.map((h) => h.nativeId))).toBe(true);
  });

  it('a status list repeating its rows gives one installation per host', async () => {
    r = await rig({ listFaults: { lists: 'attachments', repeatRows: 50 } });
    const installations = await r.client.listInstallations();
    const expected = ['ndr', 'edr', 'antivirus'].flatMap((code) => r!.sim.hostsFor(code));
    expect(installations).toHaveLength(expected.length);
    expect(distinct(installations.map((i) => i.nativeId))).toBe(true);
  });
});

describe('hss paging that stops advancing', () => {
  it('total_num 499 over one row per page, offset ignored: paging stops, one row per id', async () => {
    r = await rig({
      maxPageSize: 1,
      listFaults: { totalNum: 499, ignoreOffset: true },
    });
    const inventory = await r.client.listInventory();
    const plugins = await r.client.listPlugins();
    expect(plugins.map((p) => p.nativeId)).toEqual(['ndr']);
    expect(distinct(inventory.installations.map((i) => i.nativeId))).toBe(true);
    expect(inventory.installations).toHaveLength(1);
    // Per list: the first page, then one round of at most four that brought nothing new.
    expect(r.sim.server.count({ path: LIST_PLUGINS })).toBeLessThanOrEqual(2 * 5);
    expect(r.sim.server.count({ path: LIST_STATUS })).toBeLessThanOrEqual(5);
  });

  it('an honest list read one row per page is still read whole', async () => {
    r = await rig({ maxPageSize: 1 });
    const plugins = await r.client.listPlugins();
    expect(plugins.map((p) => p.nativeId)).toEqual(['ndr', 'edr', 'antivirus']);
    expect(r.sim.server.count({ path: LIST_PLUGINS })).toBe(3);
  });
});

describe('hss status reads per plug-in', () => {
  it('twenty plug-ins: one status read each, never more than four at the vendor at once', async () => {
    const base = HSS_FIXTURES.plugins[0]!;
    const many: HssFixtures = {
      ...HSS_FIXTURES,
      plugins: Array.from({ length: 20 }, (_, i) => ({ ...base, code: `plugin-${i}` })),
    };
    r = await rig({ fixtures: many });
    await r.client.listInstallations();
    expect(r.sim.server.count({ path: LIST_STATUS })).toBe(20);

    // Again, with the first four status reads held until a fifth arrives beside them. A client
    // that keeps to four never sends it: its four wait out the operation's deadline. One that
    // sends more frees them, and the read succeeds.
    r.sim.server.clearLog();
    let fifth: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      fifth = resolve;
    });
    let arrived = 0;
    const statusRead = (q: SimRequest) => LIST_STATUS.test(q.path) && ++arrived > 0;
    r.sim.server.inject({ kind: 'held', until: gate }, { times: 4, match: statusRead });
    // Later status reads pass (a rule is asked only while the one before it still applies).
    r.sim.server.inject(
      { kind: 'latency', ms: 0 },
      {
        match: (q) => {
          if (!statusRead(q)) return false;
          if (arrived >= 5) fifth();
          return true;
        },
      },
    );
    await expect(r.client.listInstallations()).rejects.toMatchObject({ code: 'BACKEND_TIMEOUT' });
    expect(arrived).toBe(4);
    fifth();
  });
});
