import { afterEach, describe, expect, it } from 'vitest';
import type { EndpointRef } from '../../src/domain/endpoint.ts';
import { InventoryStore } from '../../src/inventory/store.ts';
import { type Rig, rig } from '../backends/hss/helpers.ts';
import { waitFor } from '../helpers/wait-for.ts';

/** The inventory store over a real HSS client and its simulator. */
let r: Rig | undefined;
let store: InventoryStore | undefined;
afterEach(async () => {
  await store?.close();
  await r?.sim.close();
  r = undefined;
  store = undefined;
});

const HOST = '0b3c6f0e-5a36-4cf3-9d6d-9a0d8e2f4c11';

describe('InventoryStore', () => {
  it('a change reported while a refresh runs gets a refresh of its own after it', async () => {
    r = await rig();
    const { sim, client } = r;
    const s = new InventoryStore({ refreshMs: 600_000, maxStaleMs: 600_000, timeoutMs: 5_000 });
    store = s;
    const endpoint: EndpointRef<'hss'> = { name: 'hss', backend: 'hss' };
    const statusOf = async () =>
      (await s.read(endpoint, client)).snapshot.installations.get(`ndr@${HOST}`)?.vendorStatus;
    expect(await statusOf()).toBe('stopped');

    // A refresh that has read ndr's rows and still waits for antivirus's.
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    sim.server.inject(
      { kind: 'held', until: gate },
      { times: 1, match: (q) => q.query.get('plugin_code') === 'antivirus' },
    );
    const asked = (code: string) =>
      sim.server.requests.filter((q) => q.query.get('plugin_code') === code).length;
    void s.changed('hss');
    await waitFor(
      async () => asked('antivirus') === 2 && asked('ndr') === 2,
      'both plugins asked twice',
    );

    // The vendor changes after that refresh read ndr; the change is reported meanwhile.
    sim.setPluginStatus('ndr', HOST, 'running');
    const reported = s.changed('hss');
    open();
    await reported;
    expect(await statusOf()).toBe('running');
  });

  it('concurrent first readers share one refresh', async () => {
    r = await rig();
    const { sim, client } = r;
    const s = new InventoryStore({ refreshMs: 600_000, maxStaleMs: 600_000, timeoutMs: 5_000 });
    store = s;
    const endpoint: EndpointRef<'hss'> = { name: 'hss', backend: 'hss' };
    const views = await Promise.all(Array.from({ length: 5 }, () => s.read(endpoint, client)));
    expect(new Set(views.map((v) => v.snapshot)).size).toBe(1);
    expect(sim.server.count({ path: /\/plugins$/ })).toBe(1);
  });
});
