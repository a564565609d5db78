import { describe, expect, it } from 'vitest';
import { updatesResult } from '../../src/backends/appliance/wire.ts';
import { listAttachmentsSchema, listPluginsSchema } from '../../src/backends/hss/wire.ts';
import { installedListSchema, pluginListSchema } from '../../src/backends/korap/wire.ts';
import { parseXml, pluginListDocument, renderXml } from '../../src/backends/sdm/wire.ts';
import { WIRE_LIMITS } from '../../src/backends/wire-limits.ts';
import { readAllDrivers } from '../../src/backends/zstack/pages.ts';
import { QueryPluginDriversReply } from '../../src/backends/zstack/wire.ts';

/**
 * Issue 26.3, vendor by vendor: every string a wire shape keeps has a bound (wire-limits.ts), and
 * one past it fails the whole answer; lists keep each id once.
 */

const at = (n: number) => 'x'.repeat(n);
const { short, long } = WIRE_LIMITS;

/** Whether `name` (and `description`) pass each vendor's plug-in list shape. */
const vendors: Record<string, (name: string, description: string) => boolean> = {
  hss: (name, description) =>
    listPluginsSchema.safeParse({ data_list: [{ code: 'c', name, description }], total_num: 1 })
      .success,
  sdm: (name, description) =>
    pluginListDocument.safeParse(
      parseXml(renderXml('pluginInfos', { pluginInfos: [{ id: 'ID1', name, description }] })),
    ).success,
  korap: (name, description) =>
    pluginListSchema.safeParse([
      { client_id: 'c', client_name: name, client_description: description },
    ]).success,
  zstack: (name, description) =>
    QueryPluginDriversReply.safeParse({ inventories: [{ uuid: 'u', name, description }] }).success,
  appliance: (name, description) =>
    updatesResult.safeParse([{ version: name, summary: description }]).success,
};

describe('field bounds', () => {
  for (const [vendor, accepts] of Object.entries(vendors)) {
    it(`${vendor}: a name of ${short} and a description of ${long} pass; one more character fails`, () => {
      expect(accepts(at(short), at(long))).toBe(true);
      expect(accepts(at(short + 1), 'd')).toBe(false);
      expect(accepts('n', at(long + 1))).toBe(false);
    });
  }

  it('hss: a status row with an over-long host id fails the answer', () => {
    const row = (host_id: string) => ({ data_list: [{ host_id }], total_num: 1 });
    expect(listAttachmentsSchema.safeParse(row(at(short))).success).toBe(true);
    expect(listAttachmentsSchema.safeParse(row(at(short + 1))).success).toBe(false);
  });
});

describe('each id once', () => {
  it('sdm: a repeated cluster member is one member', () => {
    const member = { ipAddress: '10.0.0.1', pluginStatus: 'INSTALLED' };
    const doc = pluginListDocument.parse(
      parseXml(
        renderXml('pluginInfos', {
          pluginInfos: [
            { id: 'ID1', clusterMembers: [member, member, { ...member, ipAddress: '10.0.0.2' }] },
          ],
        }),
      ),
    );
    expect(doc.pluginInfos.pluginInfos?.[0]?.members?.map((m) => m.ipAddress)).toEqual([
      '10.0.0.1',
      '10.0.0.2',
    ]);
  });

  it('korap: repeated plugins and installations are kept once', () => {
    const info = { client_id: 'a', client_name: 'A' };
    expect(pluginListSchema.parse([info, info, { ...info, client_id: 'b' }])).toHaveLength(2);
    const installed = { client_id: 'a', super_client_id: 's' };
    expect(installedListSchema.parse([installed, installed])).toHaveLength(1);
  });

  it('appliance: a version listed twice is one update', () => {
    expect(updatesResult.parse({ updates: [{ version: '9.0.1' }, { version: '9.0.1' }] })).toEqual([
      expect.objectContaining({ version: '9.0.1' }),
    ]);
  });

  it('zstack: a node that ignores `start` ends the paging at the first page that brings nothing new', async () => {
    const page = Array.from({ length: 3 }, (_, i) => ({ uuid: `u${i}`, name: `d${i}` }));
    const starts: number[] = [];
    const drivers = await readAllDrivers(3, async (start) => {
      starts.push(start);
      return page; // always the first page, full
    });
    expect(drivers.map((d) => d.uuid)).toEqual(['u0', 'u1', 'u2']);
    expect(starts).toEqual([0, 3]);
  });
});
