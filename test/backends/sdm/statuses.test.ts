import { describe, expect, it } from 'vitest';
import { pluginStatus, pluginVendorStatus } from '../../../src/backends/sdm/statuses.ts';
import type { SdmMember } from '../../../src/backends/sdm/wire.ts';

const m = (ipAddress: string, pluginStatus?: string): SdmMember => ({
  ipAddress,
  pluginStatus,
  clusterMemberStatus: 'ACTIVE',
  uploadedDate: undefined,
  lastModifiedDate: undefined,
});

describe('sdm statuses', () => {
  it('aggregates member states into a plug-in status', () => {
    const cases: [string[], string][] = [
      [['INSTALLED', 'INSTALLED'], 'INSTALLED'],
      [['INSTALLED', 'UPLOADED'], 'PARTIAL'],
      [['INSTALLING', 'INSTALLED'], 'IN_PROGRESS'],
      [['FAILED', 'INSTALLED'], 'FAILED'],
      [['UPLOADED', 'UPLOADED'], 'AVAILABLE'],
      [['WEIRD'], 'UNKNOWN'],
      [['UPGRADING', 'INSTALLED'], 'IN_PROGRESS'],
      [[], 'AVAILABLE'],
    ];
    for (const [statuses, expected] of cases) {
      expect(pluginStatus(statuses.map((s, i) => m(`10.0.0.${i}`, s)))).toBe(expected);
    }
    expect(pluginVendorStatus([m('a', 'INSTALLED'), m('b', 'INSTALLED')])).toBe('INSTALLED');
    expect(pluginVendorStatus([m('a', 'INSTALLED'), m('b', 'UPLOADED'), m('c', 'INSTALLED')])).toBe(
      'INSTALLED,UPLOADED',
    );
  });
});
