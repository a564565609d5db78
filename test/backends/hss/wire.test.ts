import { describe, expect, it } from 'vitest';
import {
  AGENT_STATUSES,
  hostStatus,
  installationStatus,
  PLUGIN_STATUSES,
  parseProgress,
  toHost,
  toInstallation,
  toPlugin,
} from '../../../src/backends/hss/wire.ts';

describe('hss wire mapping', () => {
  it('maps every documented plugin_status', () => {
    const mapped = Object.fromEntries(PLUGIN_STATUSES.map((s) => [s, installationStatus(s)]));
    expect(mapped).toEqual({
      not_installed: 'NOT_INSTALLED',
      installing: 'INSTALLING',
      install_fail: 'FAILED',
      starting: 'STARTING',
      running: 'RUNNING',
      start_fail: 'FAILED',
      offline: 'OFFLINE',
      stopping: 'STOPPING',
      stopped: 'STOPPED',
      updating: 'UPDATING',
      update_fail: 'FAILED',
      uninstalling: 'UNINSTALLING',
      uninstall_fail: 'FAILED',
    });
    expect(installationStatus('something_new')).toBe('UNKNOWN');
    expect(installationStatus(null)).toBe('UNKNOWN');
  });

  it('maps every documented agent_status', () => {
    expect(AGENT_STATUSES.map(hostStatus)).toEqual([
      'UNKNOWN',
      'ONLINE',
      'OFFLINE',
      'UNKNOWN',
      'UNKNOWN',
    ]);
  });

  it('reads install_progress percent strings', () => {
    expect(parseProgress('45%')).toBe(45);
    expect(parseProgress('100')).toBe(100);
    expect(parseProgress(12.6)).toBe(13);
    expect(parseProgress('')).toBeUndefined();
    expect(parseProgress(null)).toBeUndefined();
    expect(parseProgress('250%')).toBe(100);
  });

  it('builds Plugin, Host and Installation shapes', () => {
    expect(
      toPlugin({
        code: 'ndr',
        name: 'NDR',
        description: 'x',
        installed_attachment_num: 2,
        uninstall_attachment_num: 1,
      }),
    ).toEqual({
      backend: 'hss',
      nativeId: 'ndr',
      name: 'NDR',
      description: 'x',
      vendor: 'Huawei Cloud',
      status: 'PARTIAL',
    });
    expect(toPlugin({ code: 'edr', installed_attachment_num: 0 }).status).toBe('AVAILABLE');
    expect(
      toPlugin({ code: 'edr', installed_attachment_num: '3', uninstall_attachment_num: 0 }).status,
    ).toBe('INSTALLED');
    const row = {
      host_id: 'h1',
      host_name: 'web-1',
      private_ip: '192.168.0.1',
      agent_status: 'online',
      plugin_status: 'installing',
      install_progress: '40%',
    };
    expect(toHost(row)).toEqual({
      backend: 'hss',
      nativeId: 'h1',
      name: 'web-1',
      address: '192.168.0.1',
      status: 'ONLINE',
    });
    expect(toInstallation('ndr', row)).toEqual({
      backend: 'hss',
      nativeId: 'ndr@h1',
      pluginNativeId: 'ndr',
      hostNativeId: 'h1',
      status: 'INSTALLING',
      vendorStatus: 'installing',
      progress: 40,
    });
  });
});
