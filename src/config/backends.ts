import { z } from 'zod';
import type { BackendName } from '../domain/backend.ts';
import { optionalText, url } from './fields.ts';

/**
 * The five vendors' variables (SPEC §2) and the typed settings each client is built from. A
 * backend is configured by its `*_URL`; the rest of its variables are then required or defaulted.
 */

export const backendVariables = {
  SDM_URL: url.describe('Oracle SDM REST base, e.g. https://sdm:8443/rest'),
  SDM_API_VERSION: z
    .string()
    .regex(/^v\d+\.\d+$/, 'must look like v1.3')
    .default('v1.3')
    .describe('SDM REST version segment appended to SDM_URL'),
  SDM_USERNAME: optionalText.describe('SDM user name'),
  SDM_PASSWORD: optionalText.describe('SDM password (secret)'),
  ZSTACK_URL: url.describe('ZStack management node base, e.g. http://mn:8080/zstack'),
  ZSTACK_ACCOUNT: optionalText.describe('ZStack account name'),
  ZSTACK_PASSWORD: optionalText.describe(
    'ZStack password, plain; hashed with SHA-512 by the client (secret)',
  ),
  HSS_URL: url.describe('Huawei Cloud HSS endpoint, e.g. https://hss.cn-north-4.myhuaweicloud.com'),
  HSS_PROJECT_ID: optionalText.describe('Huawei Cloud project id (path segment of every call)'),
  HSS_ENTERPRISE_PROJECT_ID: optionalText.describe(
    'Enterprise project id sent as a query parameter',
  ),
  HSS_ACCESS_KEY: optionalText.describe('AK for AK/SK request signing (recommended)'),
  HSS_SECRET_KEY: optionalText.describe('SK for AK/SK request signing (secret)'),
  HSS_AUTH_TOKEN: optionalText.describe('IAM token (X-Auth-Token); expires after 24 h (secret)'),
  APPLIANCE_URL: url.describe('VMware DR appliance config API base, including any prefix'),
  APPLIANCE_USERNAME: optionalText.describe('Appliance user (HTTP Basic at POST /session)'),
  APPLIANCE_PASSWORD: optionalText.describe('Appliance password (secret)'),
  APPLIANCE_TASK_PATH: z
    .string()
    .regex(/^\/.*\{id\}/, 'must start with / and contain {id}')
    .default('/tasks/{id}')
    .describe('Path of the get-task call, {id} replaced by the task id'),
  KORAP_URL: url.describe('KorAP Kustvakt API base, e.g. http://korap:8089/api/v1.0'),
  KORAP_ACCESS_TOKEN: optionalText.describe('OAuth2 bearer token of the acting user (secret)'),
  KORAP_SUPER_CLIENT_ID: optionalText.describe('Default super client id'),
  KORAP_SUPER_CLIENT_SECRET: optionalText.describe('Default super client secret (secret)'),
};

/** The vendors' secrets, in SPEC order: each may be given as `X_FILE` instead. */
export const BACKEND_SECRET_VARIABLES = [
  'SDM_PASSWORD',
  'ZSTACK_PASSWORD',
  'HSS_ACCESS_KEY',
  'HSS_SECRET_KEY',
  'HSS_AUTH_TOKEN',
  'APPLIANCE_PASSWORD',
  'KORAP_ACCESS_TOKEN',
  'KORAP_SUPER_CLIENT_SECRET',
] as const satisfies readonly (keyof typeof backendVariables)[];

type BackendEnv = z.output<z.ZodObject<typeof backendVariables>>;

export interface SdmConfig {
  readonly url: string;
  readonly apiVersion: string;
  readonly username: string;
  readonly password: string;
}
export interface ZstackConfig {
  readonly url: string;
  readonly account: string;
  readonly password: string;
}
export type HssAuth =
  | { readonly mode: 'aksk'; readonly accessKey: string; readonly secretKey: string }
  | { readonly mode: 'token'; readonly token: string };
export interface HssConfig {
  readonly url: string;
  readonly projectId: string;
  readonly enterpriseProjectId?: string | undefined;
  readonly auth: HssAuth;
}
export interface ApplianceConfig {
  readonly url: string;
  readonly username: string;
  readonly password: string;
  readonly taskPath: string;
}
export interface KorapConfig {
  readonly url: string;
  readonly accessToken: string;
  readonly superClientId?: string | undefined;
  readonly superClientSecret?: string | undefined;
}

export interface BackendConfigs {
  readonly sdm?: SdmConfig;
  readonly zstack?: ZstackConfig;
  readonly hss?: HssConfig;
  readonly appliance?: ApplianceConfig;
  readonly korap?: KorapConfig;
}

/** Whether any vendor is configured: without one, the server starts in demo mode. */
export function anyBackendUrl(e: BackendEnv): boolean {
  return Boolean(e.SDM_URL || e.ZSTACK_URL || e.HSS_URL || e.APPLIANCE_URL || e.KORAP_URL);
}

/** Each backend whose `*_URL` is set, its required variables checked; problems are appended. */
export function buildBackends(e: BackendEnv, problems: string[]): BackendConfigs {
  const require = (name: keyof BackendEnv, because: string): string => {
    const value = e[name];
    if (typeof value !== 'string' || value === '') {
      problems.push(`${name} is required ${because}`);
      return '';
    }
    return value;
  };

  const backends: { -readonly [K in BackendName]?: BackendConfigs[K] } = {};
  if (e.SDM_URL) {
    backends.sdm = {
      url: e.SDM_URL,
      apiVersion: e.SDM_API_VERSION,
      username: require('SDM_USERNAME', 'when SDM_URL is set'),
      password: require('SDM_PASSWORD', 'when SDM_URL is set'),
    };
  }
  if (e.ZSTACK_URL) {
    backends.zstack = {
      url: e.ZSTACK_URL,
      account: require('ZSTACK_ACCOUNT', 'when ZSTACK_URL is set'),
      password: require('ZSTACK_PASSWORD', 'when ZSTACK_URL is set'),
    };
  }
  if (e.HSS_URL) {
    const aksk = Boolean(e.HSS_ACCESS_KEY || e.HSS_SECRET_KEY);
    let auth: HssAuth = { mode: 'token', token: '' };
    if (aksk && e.HSS_AUTH_TOKEN) {
      problems.push('HSS: give either HSS_ACCESS_KEY/HSS_SECRET_KEY or HSS_AUTH_TOKEN, not both');
    } else if (aksk) {
      auth = {
        mode: 'aksk',
        accessKey: require('HSS_ACCESS_KEY', 'with HSS_SECRET_KEY'),
        secretKey: require('HSS_SECRET_KEY', 'with HSS_ACCESS_KEY'),
      };
    } else if (e.HSS_AUTH_TOKEN) {
      auth = { mode: 'token', token: e.HSS_AUTH_TOKEN };
    } else {
      problems.push(
        'HSS_URL is set: give HSS_ACCESS_KEY and HSS_SECRET_KEY (recommended) or HSS_AUTH_TOKEN',
      );
    }
    backends.hss = {
      url: e.HSS_URL,
      projectId: require('HSS_PROJECT_ID', 'when HSS_URL is set'),
      enterpriseProjectId: e.HSS_ENTERPRISE_PROJECT_ID,
      auth,
    };
  }
  if (e.APPLIANCE_URL) {
    backends.appliance = {
      url: e.APPLIANCE_URL,
      username: require('APPLIANCE_USERNAME', 'when APPLIANCE_URL is set'),
      password: require('APPLIANCE_PASSWORD', 'when APPLIANCE_URL is set'),
      taskPath: e.APPLIANCE_TASK_PATH,
    };
  }
  if (e.KORAP_URL) {
    backends.korap = {
      url: e.KORAP_URL,
      accessToken: require('KORAP_ACCESS_TOKEN', 'when KORAP_URL is set'),
      superClientId: e.KORAP_SUPER_CLIENT_ID,
      superClientSecret: e.KORAP_SUPER_CLIENT_SECRET,
    };
  }
  return backends;
}
