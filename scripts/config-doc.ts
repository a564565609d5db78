import { BACKEND_SETTINGS } from '../src/config/backends.ts';
import { describeVariables, type VariableDoc } from '../src/config/index.ts';

/**
 * The generated part of docs/configuration.md: one table per group of variables, each row the
 * variable, its `.describe()` text and its zod default, in the order GROUPS lists them.
 * `npm run config-doc` rewrites it between the markers below; test/docs/configuration.test.ts
 * fails when the committed file differs, so a variable cannot be added, renamed or redescribed
 * without the docs following.
 */

export const BEGIN = '<!-- generated: npm run config-doc -->';
export const END = '<!-- end generated -->';

interface Group {
  readonly title: string;
  readonly variables: readonly string[];
}

/** The groups, in the order the page shows them; every variable is in exactly one. */
const GROUPS: readonly Group[] = [
  {
    title: 'Listening, sign-in and demo mode',
    variables: [
      'PORT',
      'HOST',
      'PLUGIN_GRAPH_DEMO',
      'PLUGIN_GRAPH_TOKENS',
      'PLUGIN_GRAPH_AUTH',
      'PLUGIN_GRAPH_JWT_ISSUER',
      'PLUGIN_GRAPH_JWT_AUDIENCE',
      'PLUGIN_GRAPH_JWKS_URL',
      'PLUGIN_GRAPH_JWT_ROLES_CLAIM',
      'PLUGIN_GRAPH_JWT_NAME_CLAIM',
      'PLUGIN_GRAPH_JWT_GROUPS_CLAIM',
      'PLUGIN_GRAPH_POLICY_FILE',
      'SIMULATOR_SCALE',
    ],
  },
  { title: 'SDM (Oracle Communications Session Delivery Manager)', variables: backend('sdm') },
  { title: 'ZStack Cloud', variables: backend('zstack') },
  { title: 'Huawei Cloud Host Security Service (HSS)', variables: backend('hss') },
  { title: 'VMware DR appliance update manager', variables: backend('appliance') },
  { title: 'KorAP / Kustvakt', variables: backend('korap') },
  { title: 'Endpoints file', variables: ['PLUGIN_GRAPH_ENDPOINTS_FILE'] },
  {
    title: 'Backend calls',
    variables: [
      'BACKEND_TIMEOUT_MS',
      'BACKEND_MAX_RESPONSE_BYTES',
      'BACKEND_BREAKER_FAILURES',
      'BACKEND_BREAKER_COOLDOWN_MS',
    ],
  },
  {
    title: 'Tasks and inventory snapshots',
    variables: [
      'TASK_POLL_INTERVAL_MS',
      'TASK_TTL_SECONDS',
      'TASK_TRACKING_GRACE_MS',
      'TASK_MAX_DURATION_MS',
      'INVENTORY_REFRESH_MS',
      'INVENTORY_MAX_STALE_MS',
      'ROLLOUT_MAX_UNITS',
    ],
  },
  {
    title: 'Stores: SQLite and Redis',
    variables: [
      'PLUGIN_GRAPH_DATA_DIR',
      'AUDIT_RETENTION_DAYS',
      'REDIS_URL',
      'REDIS_PREFIX',
      'REDIS_TIMEOUT_MS',
    ],
  },
  {
    title: 'HTTP, GraphQL, logs and subscription limits',
    variables: [
      'CORS_ORIGINS',
      'LOG_LEVEL',
      'PLUGIN_GRAPH_INTROSPECTION',
      'PLUGIN_GRAPH_JIT',
      'PLUGIN_GRAPH_GRAPHIQL',
      'MAX_SUBSCRIPTIONS_PER_CALLER',
      'MAX_SUBSCRIPTIONS',
      'WS_INIT_TIMEOUT_MS',
      'WS_MAX_UNAUTHENTICATED',
    ],
  },
  {
    title: 'Persisted documents',
    variables: ['PLUGIN_GRAPH_TRUSTED_DOCUMENTS', 'PLUGIN_GRAPH_TRUSTED_ONLY'],
  },
];

/** A backend's variables, as its endpoints-file settings name them (config/backends.ts). */
function backend(name: keyof typeof BACKEND_SETTINGS): string[] {
  return Object.values(BACKEND_SETTINGS[name]);
}

/** The markdown between BEGIN and END (markers excluded). Throws on a variable in no group. */
export function printConfigTables(): string {
  const variables = describeVariables();
  const byName = new Map(variables.map((v) => [v.name, v]));
  const grouped = GROUPS.flatMap((g) => g.variables);
  const missing = variables.filter((v) => !grouped.includes(v.name)).map((v) => v.name);
  const unknown = grouped.filter((name) => !byName.has(name));
  const twice = grouped.filter((name, i) => grouped.indexOf(name) !== i);
  if (missing.length + unknown.length + twice.length > 0)
    throw new Error(
      `scripts/config-doc.ts GROUPS: ${[
        ...missing.map((n) => `${n} is in no group`),
        ...unknown.map((n) => `${n} is no variable`),
        ...twice.map((n) => `${n} is listed twice`),
      ].join('; ')}`,
    );
  const names = new Set(byName.keys());
  const sections = GROUPS.map((group) => {
    const rows = group.variables.map((name) => row(byName.get(name) as VariableDoc, names));
    return [
      `### ${group.title}`,
      '',
      '| variable | description | default |',
      '| --- | --- | --- |',
      ...rows,
    ].join('\n');
  });
  return `${sections.join('\n\n')}\n`;
}

function row(v: VariableDoc, names: ReadonlySet<string>): string {
  const secret = v.secret ? `; a secret, also given as \`${v.name}_FILE\`` : '';
  return `| \`${v.name}\` | ${inline(v.description, names)}${secret} | ${defaultOf(v.default)} |`;
}

/**
 * A describe() text as one table cell: variable names (and `*_URL`) as code, and what markdown
 * would read as a cell border, a tag or emphasis escaped (GitHub reads no
 * emphasis inside a word, so `jwks_uri` stays as it is).
 */
function inline(text: string, names: ReadonlySet<string>): string {
  return text
    .split(/(\*_URL\b|\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b(?:=\w+)?)/)
    .map((part, i) =>
      i % 2 === 1 && (names.has(part.split('=')[0] ?? '') || part === '*_URL')
        ? `\`${part}\``
        : part
            .replace(/\\/g, '\\\\')
            .replace(/\|/g, '\\|')
            .replace(/</g, '&lt;')
            .replace(/>/g, '&gt;')
            .replace(/\*/g, '\\*'),
    )
    .join('');
}

function defaultOf(value: unknown): string {
  if (value === undefined) return '—';
  if (typeof value === 'number' && value >= 1024 * 1024 && value % (1024 * 1024) === 0)
    return `\`${value}\` (${value / (1024 * 1024)} MiB)`;
  return `\`${String(value)}\``;
}

/** `page` with its generated part replaced by what the schema says now. */
export function withConfigTables(page: string): string {
  const begin = page.indexOf(BEGIN);
  const end = page.indexOf(END);
  if (begin < 0 || end < begin)
    throw new Error(`docs/configuration.md needs the markers ${BEGIN} and ${END}`);
  return `${page.slice(0, begin + BEGIN.length)}\n\n${printConfigTables()}\n${page.slice(end)}`;
}
