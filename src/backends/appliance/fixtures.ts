/** Demo data: what a vSphere Replication / SRM appliance offers when a few releases are out. */
export interface FixtureUpdate {
  readonly version: string;
  readonly type: 'FEATURE' | 'SECURITY' | 'FIX';
  readonly severity: 'critical' | 'important' | 'moderate' | 'low';
  readonly release_date: number;
  readonly reboot_required: boolean;
  readonly summary: string;
}

export const APPLIANCE_FIXTURE = {
  username: 'admin',
  password: 'VMware1!-demo',
  installedVersion: '9.0.2.0',
  updates: [
    {
      version: '9.0.2.1',
      type: 'SECURITY',
      severity: 'critical',
      release_date: Date.parse('2026-09-15T00:00:00Z'),
      reboot_required: false,
      summary: 'Photon OS security fixes (OpenSSL, glibc) for the appliance',
    },
    {
      version: '9.0.3.0',
      type: 'FIX',
      severity: 'important',
      release_date: Date.parse('2026-10-20T00:00:00Z'),
      reboot_required: true,
      summary: 'Fixes replication stalls after vCenter certificate renewal',
    },
    {
      version: '9.1.0.0',
      type: 'FEATURE',
      severity: 'moderate',
      release_date: Date.parse('2026-11-10T00:00:00Z'),
      reboot_required: true,
      summary: 'Adds recovery plan pre-checks and a new appliance configuration UI',
    },
  ] satisfies FixtureUpdate[],
} as const;

/** A DR site's appliance (demo mode's `appliance-dr`): fewer releases out, other versions. */
export const APPLIANCE_DR_UPDATES: readonly FixtureUpdate[] = [
  {
    version: '9.0.2.2',
    type: 'SECURITY',
    severity: 'important',
    release_date: Date.parse('2026-10-02T00:00:00Z'),
    reboot_required: false,
    summary: 'Photon OS kernel and OpenSSH fixes for the DR site appliance',
  },
  {
    version: '9.0.4.0',
    type: 'FIX',
    severity: 'moderate',
    release_date: Date.parse('2026-11-24T00:00:00Z'),
    reboot_required: true,
    summary: 'Fixes test recovery cleanup leaving placeholder VMs behind',
  },
];
