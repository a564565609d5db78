import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BEGIN, END, printConfigTables, withConfigTables } from '../../scripts/config-doc.ts';
import { describeVariables } from '../../src/config/index.ts';

const read = () => readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');

describe('docs/configuration.md', () => {
  it('is what `npm run config-doc` prints from the zod schema (run it and commit when this fails)', () => {
    const page = read();
    expect(page).toBe(withConfigTables(page));
  });

  it('lists every variable of the schema in one table row, with its default where it has one', () => {
    const page = read();
    const generated = page.slice(page.indexOf(BEGIN), page.indexOf(END));
    for (const v of describeVariables()) {
      const rows = generated.split('\n').filter((line) => line.startsWith(`| \`${v.name}\` |`));
      expect(rows, v.name).toHaveLength(1);
      if (v.default !== undefined) expect(rows[0], v.name).toContain(`| \`${String(v.default)}\``);
    }
  });

  it('documents every variable the README documented before docs/ (issue 27)', () => {
    const tables = printConfigTables();
    for (const name of [
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
      'SIMULATOR_SCALE',
      'SDM_URL',
      'SDM_API_VERSION',
      'SDM_USERNAME',
      'SDM_PASSWORD',
      'ZSTACK_URL',
      'ZSTACK_ACCOUNT',
      'ZSTACK_PASSWORD',
      'HSS_URL',
      'HSS_PROJECT_ID',
      'HSS_ENTERPRISE_PROJECT_ID',
      'HSS_ACCESS_KEY',
      'HSS_SECRET_KEY',
      'HSS_AUTH_TOKEN',
      'APPLIANCE_URL',
      'APPLIANCE_USERNAME',
      'APPLIANCE_PASSWORD',
      'APPLIANCE_TASK_PATH',
      'KORAP_URL',
      'KORAP_ACCESS_TOKEN',
      'KORAP_SUPER_CLIENT_ID',
      'KORAP_SUPER_CLIENT_SECRET',
      'KORAP_FORWARD_USER_TOKEN',
      'PLUGIN_GRAPH_ENDPOINTS_FILE',
      'BACKEND_TIMEOUT_MS',
      'BACKEND_MAX_RESPONSE_BYTES',
      'TASK_POLL_INTERVAL_MS',
      'TASK_TTL_SECONDS',
      'INVENTORY_REFRESH_MS',
      'INVENTORY_MAX_STALE_MS',
      'BACKEND_BREAKER_FAILURES',
      'BACKEND_BREAKER_COOLDOWN_MS',
      'TASK_TRACKING_GRACE_MS',
      'TASK_MAX_DURATION_MS',
      'PLUGIN_GRAPH_DATA_DIR',
      'AUDIT_RETENTION_DAYS',
      'REDIS_URL',
      'REDIS_PREFIX',
      'REDIS_TIMEOUT_MS',
      'CORS_ORIGINS',
      'LOG_LEVEL',
      'PLUGIN_GRAPH_INTROSPECTION',
      'PLUGIN_GRAPH_JIT',
      'MAX_SUBSCRIPTIONS_PER_CALLER',
      'MAX_SUBSCRIPTIONS',
      'WS_INIT_TIMEOUT_MS',
      'WS_MAX_UNAUTHENTICATED',
    ])
      expect(tables).toContain(`| \`${name}\` |`);
  });

  it('names each secret with its _FILE form', () => {
    const tables = printConfigTables();
    for (const v of describeVariables().filter((d) => d.secret))
      expect(tables).toContain(`\`${v.name}_FILE\``);
  });
});
