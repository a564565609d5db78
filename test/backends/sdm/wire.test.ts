import { describe, expect, it } from 'vitest';
import { observeAction } from '../../../src/backends/sdm/actions.ts';
import {
  parseSdmDate,
  parseXml,
  pluginInfoDocument,
  pluginListDocument,
  renderXml,
  type SdmMember,
  toInstallation,
} from '../../../src/backends/sdm/wire.ts';

const m = (ipAddress: string, pluginStatus?: string): SdmMember => ({
  ipAddress,
  pluginStatus,
  clusterMemberStatus: 'ACTIVE',
  uploadedDate: undefined,
  lastModifiedDate: undefined,
});

describe('sdm wire: XML shapes', () => {
  it('parses one <pluginInfos> and one <clusterMembers> like many', () => {
    const one = pluginListDocument.parse(
      parseXml(
        '<pluginInfos><pageInfo><limitation>50</limitation><numberOfElements>1</numberOfElements><offset>0</offset></pageInfo>' +
          '<pluginInfos><id>ID7</id><name>A</name><version>9.0</version>' +
          '<clusterMembers><ipAddress>10.0.0.1</ipAddress><pluginStatus>INSTALLED</pluginStatus></clusterMembers>' +
          '</pluginInfos></pluginInfos>',
      ),
    );
    expect(one.pluginInfos.pluginInfos).toHaveLength(1);
    expect(one.pluginInfos.pluginInfos?.[0]?.members).toHaveLength(1);
    // Values stay strings: `9.0` is a version, not the number 9.
    expect(one.pluginInfos.pluginInfos?.[0]?.version).toBe('9.0');
    expect(one.pluginInfos.pageInfo?.limitation).toBe(50);
  });

  it('reads an empty list and empty elements', () => {
    expect(
      pluginListDocument.parse(parseXml('<pluginInfos/>')).pluginInfos.pluginInfos,
    ).toBeUndefined();
    const doc = pluginInfoDocument.parse(
      parseXml('<pluginInfo><id>ID1</id><description/><pluginClusterMembers/></pluginInfo>'),
    );
    expect(doc.pluginInfo.description).toBeUndefined();
    expect(doc.pluginInfo.members).toEqual([]);
  });

  it('tells "no member element" (undefined) from "no members" ([])', () => {
    const doc = pluginInfoDocument.parse(parseXml('<pluginInfo><id>ID1</id></pluginInfo>'));
    expect(doc.pluginInfo.members).toBeUndefined();
  });

  it('decodes named and numeric entities once', () => {
    const doc = pluginInfoDocument.parse(
      parseXml(
        '<pluginInfo><id>ID7</id><name>SBC Config &amp; Audit &#38; &amp;lt;x&gt;</name></pluginInfo>',
      ),
    );
    expect(doc.pluginInfo.name).toBe('SBC Config & Audit & &lt;x>');
  });

  it('writes compact XML: declaration, escaped text, repeats, empty elements, no undefined', () => {
    expect(
      renderXml('pluginInfos', {
        pageInfo: {},
        pluginInfos: [{ id: 'ID7', name: `A & <B> "c" 'd'`, description: '', vendor: undefined }],
        note: ['x', ''],
      }),
    ).toBe(
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><pluginInfos><pageInfo/>' +
        '<pluginInfos><id>ID7</id><name>A &amp; &lt;B&gt; &quot;c&quot; &apos;d&apos;</name><description/></pluginInfos>' +
        '<note>x</note><note/></pluginInfos>',
    );
  });

  it('refuses a cut-off document', () => {
    expect(() => parseXml('<pluginInfo><id>ID7</id><na')).toThrow();
  });
});

describe('sdm wire: mapping', () => {
  it('maps a member to an Installation, dates as UTC, unknown status to UNKNOWN', () => {
    const inst = toInstallation('ID7', {
      ...m('10.5.5.37', 'INSTALLED'),
      lastModifiedDate: '2022-08-03 01:12:25',
    });
    expect(inst).toMatchObject({
      backend: 'sdm',
      nativeId: 'ID7@10.5.5.37',
      pluginNativeId: 'ID7',
      hostNativeId: '10.5.5.37',
      status: 'INSTALLED',
      vendorStatus: 'INSTALLED',
    });
    expect(inst.updatedAt?.toISOString()).toBe('2022-08-03T01:12:25.000Z');
    expect(inst.installedAt?.toISOString()).toBe('2022-08-03T01:12:25.000Z');
    expect(toInstallation('ID7', m('x', 'MIGRATED_SOMEHOW')).status).toBe('UNKNOWN');
    expect(parseSdmDate('yesterday')).toBeUndefined();
  });

  it('applies the task rules', () => {
    expect(observeAction('install', [m('a', 'INSTALLING'), m('b', 'INSTALLED')])).toEqual({
      status: 'RUNNING',
      progress: 50,
    });
    expect(observeAction('install', [m('a', 'UPLOADED')])).toEqual({
      status: 'RUNNING',
      progress: 0,
    });
    expect(observeAction('uninstall', [m('a', 'UPLOADED'), m('b', 'UPLOADED')])).toEqual({
      status: 'SUCCESS',
      progress: 100,
    });
    const failed = observeAction('install', [
      m('a', 'FAILED'),
      m('b', 'INSTALLED'),
      m('c', 'INSTALLED'),
    ]);
    expect(failed).toMatchObject({
      status: 'ERROR',
      progress: 66,
      error: { code: 'PLUGIN_ACTION_FAILED' },
    });
    expect(failed.error?.message).toContain('a');
  });
});
