import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { BackendName } from './domain/backend.ts';

/**
 * Every environment variable of SPEC §2, parsed once at start-up by one zod schema. Every problem
 * is collected and reported together; the server exits 1 on any. Every secret `X` may instead be
 * given as `X_FILE`, a path to a file holding it.
 */

export type Role = 'viewer' | 'operator';

export const SECRET_VARIABLES = [
  'PLUGIN_GRAPH_TOKENS',
  'SDM_PASSWORD',
  'ZSTACK_PASSWORD',
  'HSS_ACCESS_KEY',
  'HSS_SECRET_KEY',
  'HSS_AUTH_TOKEN',
  'APPLIANCE_PASSWORD',
  'KORAP_ACCESS_TOKEN',
  'KORAP_SUPER_CLIENT_SECRET',
] as const;

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));
const url = z.url({ protocol: /^https?$/ }).optional();
const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const flag = (fallback: boolean) =>
  z
    .enum(['1', '0', 'true', 'false'])
    .optional()
    .transform((v) => (v === undefined ? fallback : v === '1' || v === 'true'));

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000).describe('Listen port'),
  HOST: z.string().min(1).default('127.0.0.1').describe('Listen address'),
  PLUGIN_GRAPH_DEMO: z
    .enum(['1', '0'])
    .optional()
    .describe(
      '1 forces demo mode (built-in simulators), 0 forbids it; default: demo iff no *_URL is set',
    ),
  PLUGIN_GRAPH_TOKENS: optionalText.describe(
    'Inbound API tokens with roles: token1=operator,token2=viewer',
  ),
  PLUGIN_GRAPH_AUTH: z
    .enum(['tokens', 'none'])
    .optional()
    .describe('tokens (default) or none; demo mode defaults to none'),
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
  BACKEND_TIMEOUT_MS: positiveInt(10_000).describe(
    'Deadline of one backend operation, retries included',
  ),
  BACKEND_BREAKER_FAILURES: positiveInt(5).describe(
    'Consecutive failed calls (no answer, timeout, 5xx) that open a backend circuit breaker',
  ),
  BACKEND_BREAKER_COOLDOWN_MS: positiveInt(15_000).describe(
    'How long an open breaker fails calls at once before letting one probe through',
  ),
  TASK_POLL_INTERVAL_MS: positiveInt(1_000).describe('Task polling period'),
  TASK_TTL_SECONDS: positiveInt(86_400).describe('How long finished tasks are kept'),
  TASK_TRACKING_GRACE_MS: positiveInt(300_000).describe(
    'How long task polls may keep failing (appliance restarting) before the task ends TRACKING_LOST',
  ),
  REDIS_URL: z
    .url({ protocol: /^rediss?$/ })
    .optional()
    .describe('Scaled-out mode: task store, pollers and fan-out through Redis'),
  REDIS_TIMEOUT_MS: positiveInt(2_000).describe(
    'Deadline of every Redis call; past it the field that needed the task store fails with STORE_UNAVAILABLE',
  ),
  REDIS_PREFIX: z
    .string()
    .regex(/^[\w.:-]{1,64}$/, 'letters, digits, _ . : - (at most 64)')
    .default('plugin-graph:')
    .describe(
      'Prefix of every Redis key and pub/sub channel: deployments sharing one Redis need their own',
    ),
  CORS_ORIGINS: optionalText.describe(
    'Comma-separated allowed CORS origins; none by default (demo mode also allows http://localhost:* and http://127.0.0.1:*)',
  ),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('pino log level'),
  PLUGIN_GRAPH_INTROSPECTION: flag(true).describe('false disables introspection'),
  MAX_SUBSCRIPTIONS_PER_CALLER: positiveInt(100).describe(
    'Open subscriptions one caller (one token; with auth off, everyone together) may hold over every transport; beyond: SUBSCRIPTION_LIMIT',
  ),
  MAX_SUBSCRIPTIONS: positiveInt(10_000).describe(
    'Open subscriptions in all, every caller and transport; beyond: SUBSCRIPTION_LIMIT',
  ),
  WS_INIT_TIMEOUT_MS: positiveInt(3_000).describe(
    'How long a WebSocket may stay open before its connection_init is accepted (then closed 4408)',
  ),
  WS_MAX_UNAUTHENTICATED: positiveInt(100).describe(
    'WebSockets open at once that have not authenticated yet; further upgrades get HTTP 503',
  ),
});

type Env = z.output<typeof envSchema>;

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

export interface Config {
  readonly port: number;
  readonly host: string;
  /** Demo mode: the server starts the simulators itself and ignores backend variables. */
  readonly demo: boolean;
  readonly auth:
    | { readonly mode: 'none' }
    | { readonly mode: 'tokens'; readonly tokens: ReadonlyMap<string, Role> };
  readonly backends: BackendConfigs;
  readonly backendTimeoutMs: number;
  /** Circuit breaker per backend: failures that open it, cool-down before a probe. */
  readonly breaker: { readonly failureThreshold: number; readonly coolDownMs: number };
  readonly taskPollIntervalMs: number;
  readonly taskTtlSeconds: number;
  readonly taskGraceMs: number;
  readonly redisUrl?: string | undefined;
  /** REDIS_PREFIX: what this deployment's keys and channels start with. */
  readonly redisPrefix: string;
  /** REDIS_TIMEOUT_MS: deadline of every Redis call (then STORE_UNAVAILABLE). */
  readonly redisTimeoutMs: number;
  readonly corsOrigins: readonly string[];
  readonly logLevel: Env['LOG_LEVEL'];
  readonly introspection: boolean;
  /**
   * Open subscriptions (shutdown.ts), every transport: per caller (the token; with auth off one
   * shared bucket) and in all.
   */
  readonly subscriptionLimits: { readonly perCaller: number; readonly total: number };
  /** WebSockets not yet authenticated (websocket.ts): how long they may wait, how many at once. */
  readonly websocket: { readonly initTimeoutMs: number; readonly maxUnauthenticated: number };
  /** Every secret value configured, so logs and responses can be checked for leaks. */
  readonly secrets: readonly string[];
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

type ReadFile = (path: string) => string;
const defaultReadFile: ReadFile = (path) => readFileSync(path, 'utf8');

/** Parses the environment; throws ConfigError listing every problem found. */
export function loadConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
  readFile: ReadFile = defaultReadFile,
): Config {
  const problems: string[] = [];
  const raw: Record<string, string | undefined> = {};
  for (const key of Object.keys(envSchema.shape)) raw[key] = env[key];
  for (const name of SECRET_VARIABLES) {
    const file = env[`${name}_FILE`];
    if (file === undefined || file === '') continue;
    if (env[name]) {
      problems.push(`${name} and ${name}_FILE are both set: give one`);
      continue;
    }
    try {
      raw[name] = readFile(file).replace(/\r?\n$/, '');
    } catch {
      problems.push(`${name}_FILE: cannot read ${file}`);
    }
  }
  const parsed = envSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      problems.push(`${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(problems);
  }
  const config = buildConfig(parsed.data, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function buildConfig(e: Env, problems: string[]): Config {
  const anyUrl = Boolean(e.SDM_URL || e.ZSTACK_URL || e.HSS_URL || e.APPLIANCE_URL || e.KORAP_URL);
  const demo = e.PLUGIN_GRAPH_DEMO === undefined ? !anyUrl : e.PLUGIN_GRAPH_DEMO === '1';
  if (e.PLUGIN_GRAPH_DEMO === '0' && !anyUrl) {
    problems.push('PLUGIN_GRAPH_DEMO=0 but no backend is configured: set at least one *_URL');
  }
  const require = (name: keyof Env, because: string): string => {
    const value = e[name];
    if (typeof value !== 'string' || value === '') {
      problems.push(`${name} is required ${because}`);
      return '';
    }
    return value;
  };

  const backends: { -readonly [K in BackendName]?: BackendConfigs[K] } = {};
  if (!demo) {
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
  }

  const authMode = e.PLUGIN_GRAPH_AUTH ?? (demo ? 'none' : 'tokens');
  let auth: Config['auth'] = { mode: 'none' };
  if (authMode === 'tokens') {
    const tokens = parseTokens(e.PLUGIN_GRAPH_TOKENS, problems);
    if (tokens.size === 0 && e.PLUGIN_GRAPH_TOKENS === undefined) {
      problems.push(
        'PLUGIN_GRAPH_TOKENS is required outside demo mode (or set PLUGIN_GRAPH_AUTH=none)',
      );
    }
    auth = { mode: 'tokens', tokens };
  }

  const secrets = SECRET_VARIABLES.map((name) => e[name]).filter(
    (v): v is string => typeof v === 'string' && v.length > 0,
  );
  for (const token of auth.mode === 'tokens' ? auth.tokens.keys() : []) secrets.push(token);

  return {
    port: e.PORT,
    host: e.HOST,
    demo,
    auth,
    backends,
    backendTimeoutMs: e.BACKEND_TIMEOUT_MS,
    breaker: {
      failureThreshold: e.BACKEND_BREAKER_FAILURES,
      coolDownMs: e.BACKEND_BREAKER_COOLDOWN_MS,
    },
    taskPollIntervalMs: e.TASK_POLL_INTERVAL_MS,
    taskTtlSeconds: e.TASK_TTL_SECONDS,
    taskGraceMs: e.TASK_TRACKING_GRACE_MS,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.REDIS_PREFIX,
    redisTimeoutMs: e.REDIS_TIMEOUT_MS,
    corsOrigins: (e.CORS_ORIGINS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    logLevel: e.LOG_LEVEL,
    introspection: e.PLUGIN_GRAPH_INTROSPECTION,
    subscriptionLimits: { perCaller: e.MAX_SUBSCRIPTIONS_PER_CALLER, total: e.MAX_SUBSCRIPTIONS },
    websocket: {
      initTimeoutMs: e.WS_INIT_TIMEOUT_MS,
      maxUnauthenticated: e.WS_MAX_UNAUTHENTICATED,
    },
    secrets,
  };
}

function parseTokens(text: string | undefined, problems: string[]): Map<string, Role> {
  const tokens = new Map<string, Role>();
  if (text === undefined) return tokens;
  for (const [index, entry] of text.split(',').entries()) {
    const [token, role, ...rest] = entry.trim().split('=');
    // Never echo the token itself in the problem: it is a secret.
    if (!token || rest.length > 0 || (role !== 'operator' && role !== 'viewer')) {
      problems.push(
        `PLUGIN_GRAPH_TOKENS entry ${index + 1}: expected <token>=operator or <token>=viewer`,
      );
      continue;
    }
    tokens.set(token, role);
  }
  return tokens;
}

/** Each variable with its description, for the README and `--help`. */
export function describeVariables(): { name: string; description: string }[] {
  return Object.entries(envSchema.shape).map(([name, schema]) => ({
    name,
    description: schema.description ?? '',
  }));
}
