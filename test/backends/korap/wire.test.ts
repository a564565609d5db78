import { describe, expect, it } from 'vitest';
import {
  toInstallation,
  toPlugin,
  toVendorError,
  unknownClientId,
} from '../../../src/backends/korap/wire.ts';

describe('korap mapping to the graph', () => {
  const info = {
    client_id: 'p1',
    client_name: 'Export Plugin',
    client_description: 'Exports matches',
    permitted: true,
  };

  it('marks a plugin INSTALLED only when installed for this user and super client', () => {
    expect(toPlugin(info, new Set(['p1']))).toEqual({
      backend: 'korap',
      nativeId: 'p1',
      name: 'Export Plugin',
      description: 'Exports matches',
      status: 'INSTALLED',
      vendorStatus: 'permitted',
    });
    expect(toPlugin(info, new Set())).toMatchObject({
      status: 'AVAILABLE',
      vendorStatus: 'permitted',
    });
    expect(toPlugin({ ...info, permitted: false }, new Set())).toMatchObject({
      status: 'AVAILABLE',
      vendorStatus: 'not permitted',
    });
  });

  it('maps an installation with its super client and instant', () => {
    expect(
      toInstallation({
        client_id: 'p1',
        super_client_id: 'sc',
        name: 'Export Plugin',
        installed_date: '2022-05-06T09:21:19.452+02:00[Europe/Berlin]',
      }),
    ).toEqual({
      backend: 'korap',
      nativeId: 'p1@sc',
      pluginNativeId: 'p1',
      superClientId: 'sc',
      status: 'INSTALLED',
      installedAt: new Date('2022-05-06T07:21:19.452Z'),
    });
    expect(
      toInstallation({ client_id: 'p1', super_client_id: 'sc', installed_date: 'garbage' })
        .installedAt,
    ).toBe(undefined);
  });

  it('reads both error body formats', () => {
    expect(toVendorError({ errors: [[1850, 'Plugin is not permitted', 'p1']] })).toEqual({
      format: 'kustvakt',
      code: '1850',
      message: 'Plugin is not permitted',
      args: ['p1'],
    });
    expect(
      toVendorError({ error: 'invalid_client', error_description: 'Unknown client: x' }),
    ).toEqual({
      format: 'oauth2',
      code: 'invalid_client',
      message: 'Unknown client: x',
      args: [],
    });
    expect(toVendorError({ errors: [] })).toBeUndefined();
    expect(toVendorError('<html>')).toBeUndefined();
    expect(unknownClientId('Unknown client: abc')).toBe('abc');
    expect(unknownClientId('Invalid super_client credentials')).toBeUndefined();
  });
});
