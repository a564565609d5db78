import { z } from 'zod';
import { BACKENDS, type BackendName } from '../domain/backend.ts';
import { flag, optionalText, url } from './fields.ts';

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
  SDM_PASSWORD: optionalText.describe('SDM password'),
  ZSTACK_URL: url.describe('ZStack management node base, e.g. http://mn:8080/zstack'),
  ZSTACK_ACCOUNT: optionalText.describe('ZStack account name'),
  ZSTACK_PASSWORD: optionalText.describe(
    'ZStack password, plain; hashed with SHA-512 by the client',
  ),
  HSS_URL: url.describe('Huawei Cloud HSS endpoint, e.g. https://hss.cn-north-4.myhuaweicloud.com'),
  HSS_PROJECT_ID: optionalText.describe('Huawei Cloud project id (path segment of every call)'),
  HSS_ENTERPRISE_PROJECT_ID: optionalText.describe(
    'Enterprise project id sent as a query parameter',
  ),
  HSS_ACCESS_KEY: optionalText.describe('AK for AK/SK request signing (recommended)'),
  HSS_SECRET_KEY: optionalText.describe('SK for AK/SK request signing'),
  HSS_AUTH_TOKEN: optionalText.describe(
    'IAM token (X-Auth-Token); expires after 24 h. Give either HSS_ACCESS_KEY and HSS_SECRET_KEY or this, not both',
  ),
  APPLIANCE_URL: url.describe('VMware DR appliance config API base, including any prefix'),
  APPLIANCE_USERNAME: optionalText.describe('Appliance user (HTTP Basic at POST /session)'),
  APPLIANCE_PASSWORD: optionalText.describe('Appliance password'),
  APPLIANCE_TASK_PATH: z
    .string()
    .regex(/^\/.*\{id\}/, 'must start with / and contain {id}')
    .default('/tasks/{id}')
    .describe('Path of the get-task call, {id} replaced by the task id'),
  KORAP_URL: url.describe('KorAP Kustvakt API base, e.g. http://korap:8089/api/v1.0'),
  KORAP_ACCESS_TOKEN: optionalText.describe('OAuth2 bearer token of the acting user'),
  KORAP_SUPER_CLIENT_ID: optionalText.describe('Default super client id'),
  KORAP_SUPER_CLIENT_SECRET: optionalText.describe('Default super client secret'),
  KORAP_FORWARD_USER_TOKEN: flag(false).describe(
    "1: KorAP installs and uninstalls run as the caller's KorAP user, the X-KorAP-Authorization request header (Bearer …), instead of KORAP_ACCESS_TOKEN; without the header they are refused (ValidationError)",
  ),
  PLUGIN_GRAPH_ENDPOINTS_FILE: optionalText.describe(
    'YAML or JSON file listing endpoints, [{ name, backend, url, ...settings }], besides the ones the *_URL variables configure',
  ),
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
  /**
   * KORAP_FORWARD_USER_TOKEN: installs and uninstalls send the caller's `X-KorAP-Authorization`
   * instead of `accessToken`, which the reads and health checks keep using.
   */
  readonly forwardUserToken?: boolean;
}

export interface BackendConfigs {
  readonly sdm?: SdmConfig;
  readonly zstack?: ZstackConfig;
  readonly hss?: HssConfig;
  readonly appliance?: ApplianceConfig;
  readonly korap?: KorapConfig;
}

/**
 * Each backend's settings: the camelCase name an endpoints file uses (SPEC §10) and the variable
 * that gives it in the environment. One table, so the file and the environment parse every setting
 * with the same zod schema (`backendVariables`) and build it with the same function below.
 */
export const BACKEND_SETTINGS = {
  sdm: {
    url: 'SDM_URL',
    apiVersion: 'SDM_API_VERSION',
    username: 'SDM_USERNAME',
    password: 'SDM_PASSWORD',
  },
  zstack: { url: 'ZSTACK_URL', account: 'ZSTACK_ACCOUNT', password: 'ZSTACK_PASSWORD' },
  hss: {
    url: 'HSS_URL',
    projectId: 'HSS_PROJECT_ID',
    enterpriseProjectId: 'HSS_ENTERPRISE_PROJECT_ID',
    accessKey: 'HSS_ACCESS_KEY',
    secretKey: 'HSS_SECRET_KEY',
    authToken: 'HSS_AUTH_TOKEN',
  },
  appliance: {
    url: 'APPLIANCE_URL',
    username: 'APPLIANCE_USERNAME',
    password: 'APPLIANCE_PASSWORD',
    taskPath: 'APPLIANCE_TASK_PATH',
  },
  korap: {
    url: 'KORAP_URL',
    accessToken: 'KORAP_ACCESS_TOKEN',
    superClientId: 'KORAP_SUPER_CLIENT_ID',
    superClientSecret: 'KORAP_SUPER_CLIENT_SECRET',
    forwardUserToken: 'KORAP_FORWARD_USER_TOKEN',
  },
} as const satisfies { [B in BackendName]: Record<string, keyof typeof backendVariables> };

/** One backend's settings as parsed, keyed by their camelCase names. */
export type BackendSettings<B extends BackendName> = {
  [K in keyof (typeof BACKEND_SETTINGS)[B]]: BackendEnv[(typeof BACKEND_SETTINGS)[B][K] &
    keyof BackendEnv];
};

/** What each backend's client is built from. */
export type BackendConfigOf<B extends BackendName> = NonNullable<BackendConfigs[B]>;

/** Whether the variable is a secret (may be `X_FILE`; in an endpoints file, `{ env }`/`{ file }`). */
export function isSecretVariable(name: string): boolean {
  return (BACKEND_SECRET_VARIABLES as readonly string[]).includes(name);
}

/**
 * How problems name one endpoint's settings: `SDM_USERNAME` for the environment,
 * `endpoints[hss-eu].username` for an endpoints file.
 */
export interface SettingLabels {
  /** The setting as a problem starts with it: `SDM_USERNAME`, `endpoints[hss-eu].username`. */
  at(setting: string): string;
  /** The setting inside a sentence: `SDM_USERNAME`, `username`. */
  of(setting: string): string;
  /** What starts a problem about the endpoint as a whole: `HSS_URL is set` or `endpoints[hss-eu]`. */
  readonly endpoint: string;
  /** Why a missing setting is required: ` when SDM_URL is set` for the environment, `` for a file. */
  readonly whenConfigured: string;
}

/** The labels of the endpoint the environment configures for `backend`. */
export function environmentLabels(backend: BackendName): SettingLabels {
  const table: Record<string, string> = BACKEND_SETTINGS[backend];
  const of = (setting: string) => table[setting] ?? setting;
  return {
    at: of,
    of,
    endpoint: `${of('url')} is set`,
    whenConfigured: ` when ${of('url')} is set`,
  };
}

type Build<B extends BackendName> = (
  s: BackendSettings<B>,
  labels: SettingLabels,
  problems: string[],
) => BackendConfigOf<B>;

function required(labels: SettingLabels, problems: string[]) {
  return (value: string | undefined, setting: string, because = labels.whenConfigured): string => {
    if (value === undefined || value === '') {
      problems.push(`${labels.at(setting)} is required${because}`);
      return '';
    }
    return value;
  };
}

/** Each backend's settings checked and shaped into its client's config; problems are appended. */
export const BUILD_BACKEND: { readonly [B in BackendName]: Build<B> } = {
  sdm: (s, labels, problems) => {
    const need = required(labels, problems);
    return {
      url: need(s.url, 'url'),
      apiVersion: s.apiVersion,
      username: need(s.username, 'username'),
      password: need(s.password, 'password'),
    };
  },
  zstack: (s, labels, problems) => {
    const need = required(labels, problems);
    return {
      url: need(s.url, 'url'),
      account: need(s.account, 'account'),
      password: need(s.password, 'password'),
    };
  },
  hss: (s, labels, problems) => {
    const need = required(labels, problems);
    const { of } = labels;
    const aksk = Boolean(s.accessKey || s.secretKey);
    let auth: HssAuth = { mode: 'token', token: '' };
    if (aksk && s.authToken) {
      problems.push(
        `${labels.endpoint}: give either ${of('accessKey')}/${of('secretKey')} or ${of('authToken')}, not both`,
      );
    } else if (aksk) {
      auth = {
        mode: 'aksk',
        accessKey: need(s.accessKey, 'accessKey', ` with ${of('secretKey')}`),
        secretKey: need(s.secretKey, 'secretKey', ` with ${of('accessKey')}`),
      };
    } else if (s.authToken) {
      auth = { mode: 'token', token: s.authToken };
    } else {
      problems.push(
        `${labels.endpoint}: give ${of('accessKey')} and ${of('secretKey')} (recommended) or ${of('authToken')}`,
      );
    }
    return {
      url: need(s.url, 'url'),
      projectId: need(s.projectId, 'projectId'),
      enterpriseProjectId: s.enterpriseProjectId,
      auth,
    };
  },
  appliance: (s, labels, problems) => {
    const need = required(labels, problems);
    return {
      url: need(s.url, 'url'),
      username: need(s.username, 'username'),
      password: need(s.password, 'password'),
      taskPath: s.taskPath,
    };
  },
  korap: (s, labels, problems) => {
    const need = required(labels, problems);
    return {
      url: need(s.url, 'url'),
      accessToken: need(s.accessToken, 'accessToken'),
      superClientId: s.superClientId,
      superClientSecret: s.superClientSecret,
      // Only when on, so an endpoint's settings read as before for everyone not forwarding.
      ...(s.forwardUserToken && { forwardUserToken: true }),
    };
  },
};

/** One backend's settings picked out of the parsed environment. */
export function environmentSettings<B extends BackendName>(
  e: BackendEnv,
  backend: B,
): BackendSettings<B> {
  const table: Record<string, keyof BackendEnv> = BACKEND_SETTINGS[backend];
  const settings: Record<string, unknown> = {};
  for (const [setting, variable] of Object.entries(table)) settings[setting] = e[variable];
  // The table's types say which variable each setting is read from; the loop keeps them.
  return settings as BackendSettings<B>;
}

/** Each backend whose `*_URL` is set, its settings checked; problems are appended. */
export function buildBackends(e: BackendEnv, problems: string[]): BackendConfigs {
  const backends: { -readonly [B in BackendName]?: BackendConfigs[B] } = {};
  for (const backend of BACKENDS)
    if (e[BACKEND_SETTINGS[backend].url])
      Object.assign(backends, { [backend]: buildFromEnvironment(e, backend, problems) });
  return backends;
}

function buildFromEnvironment<B extends BackendName>(
  e: BackendEnv,
  backend: B,
  problems: string[],
): BackendConfigOf<B> {
  const build: Build<B> = BUILD_BACKEND[backend];
  return build(environmentSettings(e, backend), environmentLabels(backend), problems);
}

/** Whether any vendor is configured: without one, the server starts in demo mode. */
export function anyBackendUrl(e: BackendEnv): boolean {
  return Boolean(e.SDM_URL || e.ZSTACK_URL || e.HSS_URL || e.APPLIANCE_URL || e.KORAP_URL);
}

export type { BackendEnv };
