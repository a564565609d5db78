/** The five platforms plugin-graph fronts. Lower-case names are used in config, ids and logs. */
export const BACKENDS = ['sdm', 'zstack', 'hss', 'appliance', 'korap'] as const;
export type BackendName = (typeof BACKENDS)[number];

export function isBackendName(value: string): value is BackendName {
  return (BACKENDS as readonly string[]).includes(value);
}
