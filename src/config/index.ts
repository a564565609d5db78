import { z } from 'zod';
import { type JwtConfig, jwtConfig, parseTokens, type TokenGrant } from './auth.ts';
import {
  anyBackendUrl,
  BACKEND_SECRET_VARIABLES,
  type BackendConfigs,
  backendVariables,
  buildBackends,
} from './backends.ts';
import { backendsOf, type EndpointConfig, endpointsOf } from './endpoints.ts';
import { readEndpointsFile } from './endpoints-file.ts';
import { readSecretFiles } from './file.ts';
import { graphiqlVariables } from './graphiql.ts';
import {
  type DocumentCheck,
  type PersistedDocumentsConfig,
  persistedDocumentsConfig,
} from './persisted-documents.ts';
import { type PolicyVariablesConfig, policyConfig, policyVariables } from './policy.ts';
import { type RolloutConfig, rolloutVariables } from './rollouts.ts';
import { runtimeVariables, serverVariables } from './server-variables.ts';
import type { SimulatorScale } from './simulator-scale.ts';

/**
 * Every environment variable of SPEC §2, parsed once at start-up by one zod schema. Every problem
 * is collected and reported together; the server exits 1 on any. Every secret `X` may instead be
 * given as `X_FILE`, a path to a file holding it (a regular file, capped: file.ts). The
 * variables themselves are declared beside this file: backends.ts (the vendors'),
 * server-variables.ts (listening, auth, limits, tasks, Redis; SIMULATOR_SCALE's grammar in
 * simulator-scale.ts); this file reads them and builds the Config.
 */

export type { JwtConfig, Role, TokenGrant } from './auth.ts';
export { unnamedTokenName } from './auth.ts';
export type {
  ApplianceConfig,
  BackendConfigs,
  HssAuth,
  HssConfig,
  KorapConfig,
  SdmConfig,
  ZstackConfig,
} from './backends.ts';
export type { EndpointConfig } from './endpoints.ts';
export type { PolicyConfig, PolicyGrant } from './policy.ts';

export const SECRET_VARIABLES = ['PLUGIN_GRAPH_TOKENS', ...BACKEND_SECRET_VARIABLES] as const;

// In SPEC §2's order, which the problems and describeVariables() follow.
const envSchema = z.object({
  ...serverVariables,
  ...backendVariables,
  ...runtimeVariables,
  ...graphiqlVariables,
  ...rolloutVariables,
  ...policyVariables,
});

type Env = z.output<typeof envSchema>;

/** PLUGIN_GRAPH_TRUSTED_DOCUMENTS and PLUGIN_GRAPH_TRUSTED_ONLY: persisted-documents.ts. */
export interface Config extends PersistedDocumentsConfig, RolloutConfig, PolicyVariablesConfig {
  readonly port: number;
  readonly host: string;
  /** Demo mode: the server starts the simulators itself and ignores backend variables. */
  readonly demo: boolean;
  readonly auth:
    | { readonly mode: 'none' }
    | {
        readonly mode: 'tokens';
        readonly tokens: ReadonlyMap<string, TokenGrant>;
        /** JWT sign-in (PLUGIN_GRAPH_JWT_ISSUER set), beside the static tokens. */
        readonly jwt?: JwtConfig | undefined;
      };
  /**
   * Every endpoint (SPEC §10): one per backend whose `*_URL` is set, named after it, then those
   * of PLUGIN_GRAPH_ENDPOINTS_FILE. Empty in demo mode until server.ts starts the simulators.
   */
  readonly endpoints: readonly EndpointConfig[];
  /**
   * The settings of each backend's endpoint named after it, derived from `endpoints`; the runtime
   * serves these plus the endpoints of other names (config/endpoints.ts `servedEndpoints`).
   */
  readonly backends: BackendConfigs;
  readonly backendTimeoutMs: number;
  /** BACKEND_MAX_RESPONSE_BYTES: the most one vendor answer may weigh (backends/response-size.ts). */
  readonly backendMaxResponseBytes: number;
  /** Circuit breaker per endpoint: failures that open it, cool-down before a probe. */
  readonly breaker: { readonly failureThreshold: number; readonly coolDownMs: number };
  readonly taskPollIntervalMs: number;
  /** INVENTORY_REFRESH_MS, INVENTORY_MAX_STALE_MS: inventory snapshots (src/inventory/). */
  readonly inventory: { readonly refreshMs: number; readonly maxStaleMs: number };
  readonly taskTtlSeconds: number;
  readonly taskGraceMs: number;
  /**
   * TASK_MAX_DURATION_MS: the longest any task may stay live (then ERROR TASK_TIMEOUT); unset,
   * each operation's default (tasks/operations.ts).
   */
  readonly taskMaxDurationMs?: number | undefined;
  /**
   * PLUGIN_GRAPH_DATA_DIR: where the SQLite store lives (src/store/sqlite.ts); undefined keeps
   * everything in memory (demo mode's default).
   */
  readonly dataDir?: string | undefined;
  /** AUDIT_RETENTION_DAYS: audit entries older than this are deleted. */
  readonly auditRetentionDays: number;
  /** SIMULATOR_SCALE (demo mode only): the generated fleet the demo simulators serve. */
  readonly simulatorScale?: SimulatorScale | undefined;
  readonly redisUrl?: string | undefined;
  /** REDIS_PREFIX: what this deployment's keys and channels start with. */
  readonly redisPrefix: string;
  /** REDIS_TIMEOUT_MS: deadline of every Redis call (then STORE_UNAVAILABLE). */
  readonly redisTimeoutMs: number;
  readonly corsOrigins: readonly string[];
  readonly logLevel: Env['LOG_LEVEL'];
  readonly introspection: boolean;
  /** PLUGIN_GRAPH_JIT: single-operation documents run as compiled code (http/jit.ts). */
  readonly jit: boolean;
  /** PLUGIN_GRAPH_GRAPHIQL: a browser's GET of /graphql gets GraphiQL (config/graphiql.ts). */
  readonly graphiql: boolean;
  /**
   * Open subscriptions (http/live-subscriptions.ts), every transport: per caller (the token; with
   * auth off one shared bucket) and in all.
   */
  readonly subscriptionLimits: { readonly perCaller: number; readonly total: number };
  /** WebSockets not yet authenticated (http/websocket.ts): how long they wait, how many at once. */
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

/**
 * Parses the environment; throws ConfigError listing every problem found. `checkDocument` checks
 * each trusted document against the schema (server.ts passes it: config/ knows no GraphQL).
 */
export function loadConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
  options: { readonly checkDocument?: DocumentCheck } = {},
): Config {
  const problems: string[] = [];
  const raw: Record<string, string | undefined> = {};
  for (const key of Object.keys(envSchema.shape)) raw[key] = env[key];
  readSecretFiles(env, SECRET_VARIABLES, raw, problems);
  const parsed = envSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      problems.push(`${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(problems);
  }
  const config = buildConfig(parsed.data, problems, { env }, options.checkDocument);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function buildConfig(
  e: Env,
  problems: string[],
  sources: { readonly env: Readonly<Record<string, string | undefined>> },
  checkDocument: DocumentCheck | undefined,
): Config {
  const anyUrl = anyBackendUrl(e) || e.PLUGIN_GRAPH_ENDPOINTS_FILE !== undefined;
  const demo = e.PLUGIN_GRAPH_DEMO === undefined ? !anyUrl : e.PLUGIN_GRAPH_DEMO === '1';
  if (e.PLUGIN_GRAPH_DEMO === '0' && !anyUrl) {
    problems.push(
      'PLUGIN_GRAPH_DEMO=0 but no backend is configured: set at least one *_URL or PLUGIN_GRAPH_ENDPOINTS_FILE',
    );
  }
  const fileSecrets: string[] = [];
  // Demo mode starts the simulators itself: backend variables and the endpoints file are ignored.
  let endpoints: EndpointConfig[] = [];
  if (!demo) {
    const environment = endpointsOf(buildBackends(e, problems), 'environment');
    const file =
      e.PLUGIN_GRAPH_ENDPOINTS_FILE === undefined
        ? []
        : readEndpointsFile(
            e.PLUGIN_GRAPH_ENDPOINTS_FILE,
            sources,
            problems,
            fileSecrets,
            new Map(environment.map((endpoint) => [endpoint.name, endpoint.origin])),
          );
    // concat, not push(...file): spread arguments overflow the stack past ~100,000 entries.
    endpoints = environment.concat(file);
    if (endpoints.length === 0 && problems.length === 0)
      problems.push('PLUGIN_GRAPH_ENDPOINTS_FILE lists no endpoint and no *_URL is set');
  }

  if (!demo && e.SIMULATOR_SCALE !== undefined)
    problems.push(
      'SIMULATOR_SCALE: applies to demo mode only (the simulators it scales are not started)',
    );

  const authMode = e.PLUGIN_GRAPH_AUTH ?? (demo ? 'none' : 'tokens');
  let auth: Config['auth'] = { mode: 'none' };
  if (authMode === 'tokens') {
    const tokens = parseTokens(e.PLUGIN_GRAPH_TOKENS, problems);
    const jwt = jwtConfig(e, problems);
    if (tokens.size === 0 && e.PLUGIN_GRAPH_TOKENS === undefined && !e.PLUGIN_GRAPH_JWT_ISSUER) {
      problems.push(
        'PLUGIN_GRAPH_TOKENS is required outside demo mode (or set PLUGIN_GRAPH_AUTH=none)',
      );
    }
    const groupsClaim = e.PLUGIN_GRAPH_JWT_GROUPS_CLAIM;
    auth = { mode: 'tokens', tokens, ...(jwt && { jwt: { ...jwt, groupsClaim } }) };
  }

  const secrets = SECRET_VARIABLES.map((name) => e[name]).filter(
    (v): v is string => typeof v === 'string' && v.length > 0,
  );
  for (const token of auth.mode === 'tokens' ? auth.tokens.keys() : []) secrets.push(token);
  for (const secret of fileSecrets) secrets.push(secret);

  return {
    port: e.PORT,
    host: e.HOST,
    demo,
    auth,
    endpoints,
    backends: backendsOf(endpoints),
    backendTimeoutMs: e.BACKEND_TIMEOUT_MS,
    backendMaxResponseBytes: e.BACKEND_MAX_RESPONSE_BYTES,
    breaker: {
      failureThreshold: e.BACKEND_BREAKER_FAILURES,
      coolDownMs: e.BACKEND_BREAKER_COOLDOWN_MS,
    },
    taskPollIntervalMs: e.TASK_POLL_INTERVAL_MS,
    inventory: { refreshMs: e.INVENTORY_REFRESH_MS, maxStaleMs: e.INVENTORY_MAX_STALE_MS },
    taskTtlSeconds: e.TASK_TTL_SECONDS,
    taskGraceMs: e.TASK_TRACKING_GRACE_MS,
    taskMaxDurationMs: e.TASK_MAX_DURATION_MS,
    // Outside demo mode tasks outlive the process by default; demo mode stays in memory.
    dataDir: e.PLUGIN_GRAPH_DATA_DIR ?? (demo ? undefined : './data'),
    auditRetentionDays: e.AUDIT_RETENTION_DAYS,
    simulatorScale: e.SIMULATOR_SCALE,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.REDIS_PREFIX,
    redisTimeoutMs: e.REDIS_TIMEOUT_MS,
    corsOrigins: (e.CORS_ORIGINS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    logLevel: e.LOG_LEVEL,
    introspection: e.PLUGIN_GRAPH_INTROSPECTION,
    jit: e.PLUGIN_GRAPH_JIT,
    graphiql: e.PLUGIN_GRAPH_GRAPHIQL,
    rolloutMaxUnits: e.ROLLOUT_MAX_UNITS,
    subscriptionLimits: { perCaller: e.MAX_SUBSCRIPTIONS_PER_CALLER, total: e.MAX_SUBSCRIPTIONS },
    websocket: {
      initTimeoutMs: e.WS_INIT_TIMEOUT_MS,
      maxUnauthenticated: e.WS_MAX_UNAUTHENTICATED,
    },
    secrets,
    ...persistedDocumentsConfig(e, problems, checkDocument),
    ...policyConfig(e, problems),
  };
}

/** One variable as docs/configuration.md lists it (scripts/config-doc.ts). */
export interface VariableDoc {
  readonly name: string;
  readonly description: string;
  /** What the variable reads as when unset (zod's default, or a flag's); undefined: none. */
  readonly default: unknown;
  /** A secret: it may be given as `<name>_FILE` instead. */
  readonly secret: boolean;
}

/** Each variable, in the schema's order, with its description and default, for docs/ and `--help`. */
export function describeVariables(): VariableDoc[] {
  const secrets: readonly string[] = SECRET_VARIABLES;
  return Object.entries(envSchema.shape).map(([name, schema]) => {
    const unset = schema.safeParse(undefined);
    return {
      name,
      description: schema.description ?? '',
      default: unset.success ? unset.data : undefined,
      secret: secrets.includes(name),
    };
  });
}
