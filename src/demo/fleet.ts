import { APPLIANCE_DR_UPDATES } from '../backends/appliance/fixtures.ts';
import { startApplianceSimulator } from '../backends/appliance/simulator.ts';
import { HSS_REGION_FIXTURES, HSS_REGION_PROJECT_ID } from '../backends/hss/fixtures-region.ts';
import { hssScaledFleet } from '../backends/hss/fixtures-scaled.ts';
import { startHssSimulator } from '../backends/hss/simulator.ts';
import { startKorapSimulator } from '../backends/korap/simulator.ts';
import { sdmScaledFleet } from '../backends/sdm/fixtures-scaled.ts';
import { startSdmSimulator } from '../backends/sdm/simulator.ts';
import { addPageLatency } from '../backends/simulator/scale.ts';
import type { SimRequest } from '../backends/simulator/server.ts';
import { startZstackSimulator } from '../backends/zstack/simulator.ts';
import { type EndpointConfig, endpointsOf } from '../config/endpoints.ts';
import type { BackendConfigs } from '../config/index.ts';
import type { SimulatorScale } from '../config/simulator-scale.ts';

export interface DemoSimulators {
  /** Config sections pointing at the simulators. */
  readonly backends: Required<BackendConfigs>;
  /**
   * The demo fleet: one endpoint per backend named after it (today's ids and GraphiQL examples),
   * plus a second HSS region `hss-ap` and a DR site appliance `appliance-dr` with other fixtures.
   */
  readonly endpoints: readonly EndpointConfig[];
  /** Simulator base URLs by endpoint, for the start-up log. */
  readonly urls: Readonly<Record<string, string>>;
  /** Environment variables (SPEC §2 names) that point a server at the env-named simulators. */
  environment(): Record<string, string>;
  close(): Promise<void>;
}

/** The vendor list pages SIMULATOR_SCALE's `pageLatencyMs` slows: HSS's GETs, SDM's Get All Plug-ins. */
export const isHssPage = (req: SimRequest): boolean => req.method === 'GET';
export const isSdmPage = (req: SimRequest): boolean =>
  req.method === 'GET' && /\/admin\/plugins$/.test(req.path);

/**
 * Demo mode (SPEC §1): every vendor simulator in-process on loopback with fixture data, at a
 * pace a person can watch in GraphiQL (an operation takes a few seconds). With `scale`
 * (SIMULATOR_SCALE) the `hss` and `sdm` endpoints serve a generated fleet of that size instead.
 */
export async function startDemoSimulators(scale?: SimulatorScale): Promise<DemoSimulators> {
  const [sdm, zstack, hss, appliance, korap, hssAp, applianceDr] = await Promise.all([
    startSdmSimulator({ stepMs: 1_500, ...(scale ? { fixtures: sdmScaledFleet(scale) } : {}) }),
    startZstackSimulator({ stepMs: 2_000, pollsPerJob: 2 }),
    startHssSimulator({ stepMs: 1_500, ...(scale ? { fixtures: hssScaledFleet(scale) } : {}) }),
    startApplianceSimulator({ installMs: 8_000, retrieveMs: 300 }),
    startKorapSimulator(),
    startHssSimulator({
      stepMs: 1_500,
      projectId: HSS_REGION_PROJECT_ID,
      fixtures: HSS_REGION_FIXTURES,
    }),
    startApplianceSimulator({ installMs: 8_000, retrieveMs: 300, updates: APPLIANCE_DR_UPDATES }),
  ]);
  const all = [sdm, zstack, hss, appliance, korap, hssAp, applianceDr];
  if (scale) {
    addPageLatency(hss.server, scale.pageLatencyMs, isHssPage);
    addPageLatency(hssAp.server, scale.pageLatencyMs, isHssPage);
    addPageLatency(sdm.server, scale.pageLatencyMs, isSdmPage);
  }
  const backends = {
    sdm: sdm.config(),
    zstack: zstack.config(),
    hss: hss.config(),
    appliance: appliance.config(),
    korap: korap.config(),
  };
  const endpoints: EndpointConfig[] = [
    ...endpointsOf(backends, 'demo'),
    {
      name: 'hss-ap',
      backend: 'hss',
      source: 'demo',
      origin: 'demo hss-ap',
      settings: hssAp.config(),
    },
    {
      name: 'appliance-dr',
      backend: 'appliance',
      source: 'demo',
      origin: 'demo appliance-dr',
      settings: applianceDr.config(),
    },
  ];
  return {
    backends,
    endpoints,
    urls: {
      sdm: sdm.url,
      zstack: zstack.url,
      hss: hss.url,
      appliance: appliance.url,
      korap: korap.url,
      'hss-ap': hssAp.url,
      'appliance-dr': applianceDr.url,
    },
    environment: () => environmentFor(backends),
    close: async () => {
      await Promise.all(all.map((s) => s.close()));
    },
  };
}

/** SPEC §2 variables that point a server at these backends (demo, `npm run simulators`, soak). */
export function environmentFor(b: Required<BackendConfigs>): Record<string, string> {
  const env: Record<string, string | undefined> = {
    SDM_URL: b.sdm.url,
    SDM_API_VERSION: b.sdm.apiVersion,
    SDM_USERNAME: b.sdm.username,
    SDM_PASSWORD: b.sdm.password,
    ZSTACK_URL: b.zstack.url,
    ZSTACK_ACCOUNT: b.zstack.account,
    ZSTACK_PASSWORD: b.zstack.password,
    HSS_URL: b.hss.url,
    HSS_PROJECT_ID: b.hss.projectId,
    HSS_ENTERPRISE_PROJECT_ID: b.hss.enterpriseProjectId,
    ...(b.hss.auth.mode === 'aksk'
      ? { HSS_ACCESS_KEY: b.hss.auth.accessKey, HSS_SECRET_KEY: b.hss.auth.secretKey }
      : { HSS_AUTH_TOKEN: b.hss.auth.token }),
    APPLIANCE_URL: b.appliance.url,
    APPLIANCE_USERNAME: b.appliance.username,
    APPLIANCE_PASSWORD: b.appliance.password,
    APPLIANCE_TASK_PATH: b.appliance.taskPath,
    KORAP_URL: b.korap.url,
    KORAP_ACCESS_TOKEN: b.korap.accessToken,
    KORAP_SUPER_CLIENT_ID: b.korap.superClientId,
    KORAP_SUPER_CLIENT_SECRET: b.korap.superClientSecret,
  };
  return Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined),
  );
}
