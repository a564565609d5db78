/**
 * Demo data: an SDM 9 server managing a three-member cluster, with the usual product plug-ins.
 * Field names follow the vendor's `pluginInfo` (vendor-apis.md §1): this is simulator input.
 */

export interface SdmFixtureMember {
  readonly ipAddress: string;
  readonly clusterMemberStatus: string;
  readonly pluginStatus: string;
  /** `yyyy-MM-dd HH:mm:ss`, UTC. */
  readonly uploadedDate: string;
  readonly lastModifiedDate: string;
}

export interface SdmFixturePlugin {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly version: string;
  readonly previousVersion?: string;
  readonly packageName: string;
  readonly product: string;
  readonly type: string;
  readonly vendor: string;
  readonly emPluginAPIVersion: string;
  readonly restPrefixName: string;
  readonly members: readonly SdmFixtureMember[];
}

export const SDM_CLUSTER = ['10.5.5.36', '10.5.5.37', '10.5.5.38'] as const;

function members(
  pluginStatus: string,
  uploadedDate: string,
  lastModifiedDate: string,
): SdmFixtureMember[] {
  return SDM_CLUSTER.map((ipAddress, i) => ({
    ipAddress,
    clusterMemberStatus: 'ACTIVE',
    pluginStatus,
    uploadedDate,
    // Members finish an action one after the other: a few seconds apart.
    lastModifiedDate: lastModifiedDate.replace(
      /:(\d\d)$/,
      (_, s: string) => `:${String((Number(s) + i * 11) % 60).padStart(2, '0')}`,
    ),
  }));
}

export interface SdmFixture {
  readonly username: string;
  readonly password: string;
  readonly plugins: readonly SdmFixturePlugin[];
}

export const SDM_FIXTURE: SdmFixture = {
  username: 'admin',
  password: 'sdm-Demo#2024',
  plugins: [
    {
      id: 'ID1',
      name: 'Session Element Manager',
      description: 'Configuration, fault and performance management of session border controllers',
      version: '9.0.0.2',
      previousVersion: '9.0.0.1',
      packageName: 'SeManager-9.0.0.2.zip',
      product: 'SEM',
      type: 'EMS',
      vendor: 'Oracle',
      emPluginAPIVersion: '3.0',
      restPrefixName: 'sem',
      members: members('INSTALLED', '2024-03-11 09:14:02', '2024-03-11 09:21:37'),
    },
    {
      id: 'ID3',
      name: 'Route Manager',
      description: 'Central management of local routing tables and number translations',
      version: '9.0.0.1',
      packageName: 'RouteManager-9.0.0.1.zip',
      product: 'RM',
      type: 'EMS',
      vendor: 'Oracle',
      emPluginAPIVersion: '3.0',
      restPrefixName: 'rm',
      members: members('INSTALLED', '2024-03-11 09:16:45', '2024-03-11 09:24:08'),
    },
    {
      id: 'ID5',
      name: 'Report Manager',
      description: 'Historical reports on SBC KPIs, backed by BI Publisher',
      version: '9.0.0.1',
      packageName: 'ReportManager-9.0.0.1.zip',
      product: 'REPORT',
      type: 'EMS',
      vendor: 'Oracle',
      emPluginAPIVersion: '3.0',
      restPrefixName: 'report',
      members: members('INSTALLED', '2024-04-02 14:03:19', '2024-04-02 14:12:50'),
    },
    {
      id: 'ID7',
      name: 'SBC Config & Audit',
      description: 'Configuration archive, drift detection & audit trail for <SBC> devices',
      version: '2.1.0',
      packageName: 'SbcConfigAudit-2.1.0.zip',
      product: 'SBC_AUDIT',
      type: 'EMS',
      vendor: 'Oracle',
      emPluginAPIVersion: '3.0',
      restPrefixName: 'sbcaudit',
      members: members('UPLOADED', '2024-05-20 11:42:07', '2024-05-20 11:42:07'),
    },
    {
      id: 'ID9',
      name: 'Enterprise Operations Monitor Link',
      description: 'Exports call detail and quality data to Operations Monitor',
      version: '1.4.2',
      packageName: 'EomLink-1.4.2.zip',
      product: 'EOM',
      type: 'EMS',
      vendor: 'Oracle',
      emPluginAPIVersion: '2.0',
      restPrefixName: 'eomlink',
      members: members('UPLOADED', '2024-06-07 16:30:55', '2024-06-07 16:30:55'),
    },
  ],
};
