import { z } from 'zod';

/**
 * SIMULATOR_SCALE: the demo and bench simulators serve a generated fleet instead of the fixtures,
 * so cost at fleet size can be seen without a vendor account. Grammar: comma-separated
 * `key:integer` pairs, each key at most once, e.g. `hosts:10000,plugins:50,members:200,pageLatencyMs:100`.
 * Keys left out take the defaults below. Parsed here, with the other variables; the simulators
 * that serve the fleet (backends/hss/fixtures-scaled.ts, backends/sdm/fixtures-scaled.ts,
 * backends/simulator/scale.ts) take the parsed value.
 */
export interface SimulatorScale {
  /** HSS servers per HSS simulator (every host a row per plugin its OS supports). */
  readonly hosts: number;
  /** HSS plugin codes per HSS simulator. */
  readonly plugins: number;
  /** SDM plug-ins. */
  readonly sdmPlugins: number;
  /** SDM cluster members (every plug-in has every member). */
  readonly members: number;
  /** Extra time every vendor list page takes (HSS ListPlugins / ListPluginStatus, SDM Get All Plug-ins). */
  readonly pageLatencyMs: number;
  /** Seed of the generated statuses: the same seed gives the same fleet. */
  readonly seed: number;
}

const LIMITS = {
  hosts: [1, 100_000],
  plugins: [1, 1_000],
  sdmPlugins: [1, 2_000],
  members: [1, 10_000],
  pageLatencyMs: [0, 60_000],
  seed: [0, 2 ** 31 - 1],
} as const satisfies Record<keyof SimulatorScale, readonly [number, number]>;

export const SIMULATOR_SCALE_DEFAULTS: SimulatorScale = {
  hosts: 10,
  plugins: 5,
  sdmPlugins: 5,
  members: 3,
  pageLatencyMs: 0,
  seed: 1,
};

type Key = keyof SimulatorScale;
const isKey = (k: string): k is Key => Object.hasOwn(LIMITS, k);

/** The zod field of SIMULATOR_SCALE: a string in, a SimulatorScale out, every bad pair an issue. */
export const simulatorScaleField = z.string().transform((text, ctx): SimulatorScale => {
  const given: Partial<Record<Key, number>> = {};
  for (const pair of text.split(',')) {
    const [key = '', value, ...rest] = pair.trim().split(':');
    if (!isKey(key)) {
      ctx.addIssue({
        code: 'custom',
        message: `unknown key "${key}" (one of ${Object.keys(LIMITS).join(', ')}; e.g. hosts:10000,plugins:50)`,
      });
      continue;
    }
    if (key in given) {
      ctx.addIssue({ code: 'custom', message: `"${key}" is given twice` });
      continue;
    }
    const [min, max] = LIMITS[key];
    const n = Number(value);
    if (rest.length > 0 || value === undefined || !/^\d+$/.test(value) || n < min || n > max) {
      ctx.addIssue({ code: 'custom', message: `"${key}" must be an integer ${min}..${max}` });
      continue;
    }
    given[key] = n;
  }
  // sdmPlugins follows plugins unless given: one knob for "catalog size" in the common case.
  const plugins = given.plugins ?? SIMULATOR_SCALE_DEFAULTS.plugins;
  return { ...SIMULATOR_SCALE_DEFAULTS, sdmPlugins: plugins, ...given };
});

/** Parses SIMULATOR_SCALE outside the config (bench/sim.ts); throws naming the variable. */
export function simulatorScaleFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): SimulatorScale | undefined {
  const text = env.SIMULATOR_SCALE;
  if (text === undefined || text === '') return undefined;
  const parsed = simulatorScaleField.safeParse(text);
  if (!parsed.success)
    throw new Error(`SIMULATOR_SCALE: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  return parsed.data;
}
