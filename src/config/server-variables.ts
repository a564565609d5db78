import { z } from 'zod';
import { flag, httpUrl, optionalText, positiveInt } from './fields.ts';
import { persistedDocumentVariables } from './persisted-documents.ts';
import { simulatorScaleField } from './simulator-scale.ts';

/**
 * The variables that are not a vendor's (SPEC §2), in two groups because SPEC lists the vendors'
 * between them: where the server listens and who may call it, then how it runs — backend call
 * deadlines and breakers, task tracking, Redis, CORS, logging, introspection, subscription caps.
 */

export const serverVariables = {
  PORT: z.coerce.number().int().min(0).max(65535).default(4000).describe('Listen port'),
  HOST: z.string().min(1).default('127.0.0.1').describe('Listen address'),
  PLUGIN_GRAPH_DEMO: z
    .enum(['1', '0'])
    .optional()
    .describe(
      '1 forces demo mode (built-in simulators), 0 forbids it; default: demo iff no *_URL and no PLUGIN_GRAPH_ENDPOINTS_FILE is set',
    ),
  PLUGIN_GRAPH_TOKENS: optionalText.describe(
    'Inbound API tokens with roles and optional names: token1=operator:alice,token2=viewer (an unnamed token is token-<first 8 hex of its SHA-256>); required outside demo mode unless PLUGIN_GRAPH_AUTH=none or PLUGIN_GRAPH_JWT_ISSUER is set',
  ),
  PLUGIN_GRAPH_JWT_ISSUER: httpUrl('an OIDC issuer is public')
    .optional()
    .describe(
      'OIDC issuer whose JWTs sign users in (beside PLUGIN_GRAPH_TOKENS, which may then be absent); needs PLUGIN_GRAPH_JWT_AUDIENCE',
    ),
  PLUGIN_GRAPH_JWT_AUDIENCE: optionalText.describe(
    'The `aud` a JWT must hold (the client id or API identifier registered at the IdP)',
  ),
  PLUGIN_GRAPH_JWKS_URL: httpUrl('signing keys are public')
    .optional()
    .describe(
      "The issuer's signing keys (JWKS); default: jwks_uri of <issuer>/.well-known/openid-configuration",
    ),
  PLUGIN_GRAPH_JWT_ROLES_CLAIM: z
    .string()
    .min(1)
    .default('roles')
    .describe(
      'Claim holding viewer and/or operator (a string or an array; the highest wins; a dotted path reaches nested claims); none: FORBIDDEN',
    ),
  PLUGIN_GRAPH_JWT_NAME_CLAIM: z
    .string()
    .min(1)
    .default('sub')
    .describe('Claim naming the user in the audit trail and Task.startedBy'),
  PLUGIN_GRAPH_AUTH: z
    .enum(['tokens', 'none'])
    .optional()
    .describe('tokens (default) or none; demo mode defaults to none'),
  SIMULATOR_SCALE: simulatorScaleField
    .optional()
    .describe(
      'Demo mode only: the hss and sdm simulators serve a generated fleet, key:integer pairs, e.g. hosts:10000,plugins:50,members:200,pageLatencyMs:100 (keys: hosts, plugins, sdmPlugins, members, pageLatencyMs, seed)',
    ),
};

/**
 * BACKEND_MAX_RESPONSE_BYTES (SPEC §2)'s default: the most one vendor answer may weigh. One HSS list of
 * 40 MB once took the process past its heap; a whole answer is held in memory, then parsed, so
 * the cap bounds both. 16 MiB is far above any real answer (a 10,000-host HSS status page of
 * 200 rows is ~100 KB; the SDM list of a large estate a few MB).
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

export const runtimeVariables = {
  BACKEND_TIMEOUT_MS: positiveInt(10_000).describe(
    'Deadline of one backend operation, retries included',
  ),
  BACKEND_MAX_RESPONSE_BYTES: positiveInt(DEFAULT_MAX_RESPONSE_BYTES).describe(
    'Largest vendor answer read; a larger one is refused unread (BACKEND_BAD_RESPONSE), its connection closed, and counts against the breaker',
  ),
  BACKEND_BREAKER_FAILURES: positiveInt(5).describe(
    "Consecutive failed calls (no answer, timeout, 5xx) that open an endpoint's circuit breaker",
  ),
  BACKEND_BREAKER_COOLDOWN_MS: positiveInt(15_000).describe(
    'How long an open breaker fails calls at once before letting one probe through',
  ),
  TASK_POLL_INTERVAL_MS: positiveInt(1_000).describe('Task polling period'),
  INVENTORY_REFRESH_MS: positiveInt(30_000).describe(
    "How often an endpoint's inventory snapshot (plugins, hosts, installations) is read again once it has been read",
  ),
  INVENTORY_MAX_STALE_MS: positiveInt(120_000).describe(
    "Past this age a read waits for the snapshot's refresh; if that fails it answers the old one with a BACKEND_STALE failure",
  ),
  TASK_TTL_SECONDS: positiveInt(86_400).describe('How long finished tasks are kept'),
  TASK_TRACKING_GRACE_MS: positiveInt(300_000).describe(
    'How long task polls may keep failing (an appliance restarting mid-install) before the task ends ERROR TRACKING_LOST; also how long a write whose answer was lost may show no sign at the vendor before it ends NOT_STARTED',
  ),
  TASK_MAX_DURATION_MS: z.coerce
    .number()
    .int()
    .positive()
    .optional()
    .describe(
      'Longest a task may stay live before it ends ERROR TASK_TIMEOUT and frees its target; unset: a default per operation (INSTALL_UPDATE 6 h, SDM plug-in actions 2 h, HSS START_PLUGIN and STOP_PLUGIN 1 h, ZStack jobs and KorAP 30 min: src/tasks/operations.ts); set, it overrides them all',
    ),
  PLUGIN_GRAPH_DATA_DIR: optionalText.describe(
    'Directory of the durable embedded store (SQLite: tasks, poll specs, locks, audit trail); default ./data outside demo mode, memory in demo mode unless set; ignored with REDIS_URL',
  ),
  AUDIT_RETENTION_DAYS: positiveInt(90).describe(
    'How long audit entries are kept (SQLite and Redis); older ones are deleted',
  ),
  REDIS_URL: z
    .url({ protocol: /^rediss?$/ })
    .optional()
    .describe(
      'Scaled-out mode: tasks, pollers and subscriptions shared through Redis (redis:// or rediss://; a password goes in the URL)',
    ),
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
    .describe('pino log level: fatal, error, warn, info, debug, trace or silent'),
  PLUGIN_GRAPH_INTROSPECTION: flag(true).describe('false disables introspection'),
  PLUGIN_GRAPH_JIT: flag(true).describe(
    'false runs every operation through graphql-js instead of compiled code (graphql-jit): a switch for measuring and for fault finding. On, a document with exactly one operation runs as compiled code; a document with several operations always goes through graphql-js, so the operation operationName selects is the one every check judged and the one that runs',
  ),
  MAX_SUBSCRIPTIONS_PER_CALLER: positiveInt(100).describe(
    'Open subscriptions one caller (one token, or one JWT user by name; with auth off, everyone together) may hold over every transport; beyond: SUBSCRIPTION_LIMIT',
  ),
  MAX_SUBSCRIPTIONS: positiveInt(10_000).describe(
    'Open subscriptions in all, every caller and transport; beyond: SUBSCRIPTION_LIMIT',
  ),
  WS_INIT_TIMEOUT_MS: positiveInt(3_000).describe(
    'How long a WebSocket may stay open before its connection_init is accepted (then closed 4408)',
  ),
  WS_MAX_UNAUTHENTICATED: positiveInt(100).describe(
    'WebSockets open at once that have not authenticated yet, every client address together; further upgrades get HTTP 503 (one client address may hold 10 of them, then HTTP 429)',
  ),
  ...persistedDocumentVariables,
};
