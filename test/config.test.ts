import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeVariables, loadConfig } from '../src/config/index.ts';
import { configProblems as problems } from './helpers/config-problems.ts';

describe('configuration', () => {
  it('with nothing set is demo mode with auth off and SPEC defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      demo: true,
      port: 4000,
      host: '127.0.0.1',
      auth: { mode: 'none' },
      backendTimeoutMs: 10_000,
      taskPollIntervalMs: 1_000,
      taskTtlSeconds: 86_400,
      introspection: true,
      logLevel: 'info',
    });
  });

  it('lists every problem at once, and never echoes a secret', () => {
    const list = problems({
      PORT: 'eighty',
      SDM_URL: 'not a url',
      APPLIANCE_URL: 'http://appliance:5480',
      PLUGIN_GRAPH_TOKENS: 's3cr3t-token=admin',
      LOG_LEVEL: 'chatty',
    });
    expect(list.length).toBeGreaterThanOrEqual(3);
    expect(list.some((p) => p.startsWith('PORT'))).toBe(true);
    expect(list.some((p) => p.startsWith('SDM_URL'))).toBe(true);
    expect(list.some((p) => p.startsWith('LOG_LEVEL'))).toBe(true);
    expect(list.join('\n')).not.toContain('s3cr3t-token');
  });

  it('requires credentials and tokens for a configured backend', () => {
    const list = problems({ APPLIANCE_URL: 'http://appliance:5480' });
    expect(list).toEqual(
      expect.arrayContaining([
        'APPLIANCE_USERNAME is required when APPLIANCE_URL is set',
        'APPLIANCE_PASSWORD is required when APPLIANCE_URL is set',
        'PLUGIN_GRAPH_TOKENS is required outside demo mode (or set PLUGIN_GRAPH_AUTH=none)',
      ]),
    );
  });

  it('configured mode: only the backends with a URL, tokens with roles', () => {
    const config = loadConfig({
      APPLIANCE_URL: 'https://appliance.example:5480/configure',
      APPLIANCE_USERNAME: 'admin',
      APPLIANCE_PASSWORD: 'pw',
      PLUGIN_GRAPH_TOKENS: 'a=operator, b=viewer:grafana-bot',
    });
    expect(config.demo).toBe(false);
    expect(config.backends).toEqual({
      appliance: {
        url: 'https://appliance.example:5480/configure',
        username: 'admin',
        password: 'pw',
        taskPath: '/tasks/{id}',
      },
    });
    expect(config.auth).toEqual({
      mode: 'tokens',
      tokens: new Map([
        // Unnamed: `token-` and the first 8 hex digits of SHA-256("a").
        ['a', { role: 'operator', name: 'token-ca978112' }],
        ['b', { role: 'viewer', name: 'grafana-bot' }],
      ]),
    });
    expect(config.dataDir).toBe('./data');
    expect(config.secrets).toEqual(expect.arrayContaining(['pw', 'a', 'b']));
  });

  it('refuses token names outside the name grammar, never echoing the token', () => {
    const list = problems({
      PLUGIN_GRAPH_AUTH: 'tokens',
      PLUGIN_GRAPH_TOKENS: 'sekrit=viewer:bad name',
    });
    expect(list).toEqual([
      'PLUGIN_GRAPH_TOKENS entry 1: a token name is 1-64 letters, digits, _ . @ -',
    ]);
    expect(problems({ PLUGIN_GRAPH_TOKENS: 'sekrit=viewer:a:b' }).join()).not.toContain('sekrit');
  });

  it('reads X_FILE secrets and refuses both forms at once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pg-config-'));
    const file = join(dir, 'password');
    writeFileSync(file, 'from-file\n');
    const base = {
      APPLIANCE_URL: 'http://a:1',
      APPLIANCE_USERNAME: 'u',
      PLUGIN_GRAPH_AUTH: 'none',
    };
    expect(
      loadConfig({ ...base, APPLIANCE_PASSWORD_FILE: file }).backends.appliance?.password,
    ).toBe('from-file');
    expect(problems({ ...base, APPLIANCE_PASSWORD_FILE: file, APPLIANCE_PASSWORD: 'x' })).toContain(
      'APPLIANCE_PASSWORD and APPLIANCE_PASSWORD_FILE are both set: give one',
    );
    expect(problems({ ...base, APPLIANCE_PASSWORD_FILE: join(dir, 'missing') })[0]).toMatch(
      /^APPLIANCE_PASSWORD_FILE: cannot read/,
    );
  });

  it('HSS takes exactly one auth mode', () => {
    const base = {
      HSS_URL: 'https://hss.cn-north-4.myhuaweicloud.com',
      HSS_PROJECT_ID: 'p1',
      PLUGIN_GRAPH_AUTH: 'none',
    };
    expect(
      loadConfig({ ...base, HSS_ACCESS_KEY: 'ak', HSS_SECRET_KEY: 'sk' }).backends.hss?.auth,
    ).toEqual({
      mode: 'aksk',
      accessKey: 'ak',
      secretKey: 'sk',
    });
    expect(loadConfig({ ...base, HSS_AUTH_TOKEN: 't' }).backends.hss?.auth).toEqual({
      mode: 'token',
      token: 't',
    });
    expect(
      problems({ ...base, HSS_AUTH_TOKEN: 't', HSS_ACCESS_KEY: 'ak', HSS_SECRET_KEY: 'sk' }),
    ).toHaveLength(1);
    expect(problems(base)).toHaveLength(1);
  });

  it('PLUGIN_GRAPH_DEMO=1 forces demo mode even with URLs; =0 with no URL is a problem', () => {
    expect(loadConfig({ PLUGIN_GRAPH_DEMO: '1', SDM_URL: 'http://sdm:8443/rest' }).demo).toBe(true);
    expect(problems({ PLUGIN_GRAPH_DEMO: '0' })).toHaveLength(2); // no backend, and no tokens
  });

  it('subscription and WebSocket caps: defaults, overrides, and no zero', () => {
    expect(loadConfig({})).toMatchObject({
      subscriptionLimits: { perCaller: 100, total: 10_000 },
      websocket: { initTimeoutMs: 3_000, maxUnauthenticated: 100 },
    });
    const set = loadConfig({
      MAX_SUBSCRIPTIONS_PER_CALLER: '5',
      MAX_SUBSCRIPTIONS: '50',
      WS_INIT_TIMEOUT_MS: '500',
      WS_MAX_UNAUTHENTICATED: '7',
    });
    expect(set.subscriptionLimits).toEqual({ perCaller: 5, total: 50 });
    expect(set.websocket).toEqual({ initTimeoutMs: 500, maxUnauthenticated: 7 });
    const list = problems({ MAX_SUBSCRIPTIONS_PER_CALLER: '0', WS_MAX_UNAUTHENTICATED: 'many' });
    expect(list.some((p) => p.startsWith('MAX_SUBSCRIPTIONS_PER_CALLER'))).toBe(true);
    expect(list.some((p) => p.startsWith('WS_MAX_UNAUTHENTICATED'))).toBe(true);
  });

  it('JWT sign-in: on with the issuer, audience required, tokens then optional', () => {
    const backend = {
      APPLIANCE_URL: 'http://appliance:5480',
      APPLIANCE_USERNAME: 'admin',
      APPLIANCE_PASSWORD: 'pw',
    };
    const config = loadConfig({
      ...backend,
      PLUGIN_GRAPH_JWT_ISSUER: 'https://idp.example/realms/ops',
      PLUGIN_GRAPH_JWT_AUDIENCE: 'plugin-graph',
    });
    expect(config.auth).toEqual({
      mode: 'tokens',
      tokens: new Map(),
      jwt: {
        issuer: 'https://idp.example/realms/ops',
        audience: 'plugin-graph',
        jwksUrl: undefined,
        rolesClaim: 'roles',
        nameClaim: 'sub',
        groupsClaim: 'groups',
      },
    });
    const custom = loadConfig({
      ...backend,
      PLUGIN_GRAPH_TOKENS: 'a=operator',
      PLUGIN_GRAPH_JWT_ISSUER: 'https://idp.example',
      PLUGIN_GRAPH_JWT_AUDIENCE: 'pg',
      PLUGIN_GRAPH_JWKS_URL: 'https://idp.example/keys',
      PLUGIN_GRAPH_JWT_ROLES_CLAIM: 'realm_access.roles',
      PLUGIN_GRAPH_JWT_NAME_CLAIM: 'preferred_username',
    });
    expect(custom.auth).toMatchObject({
      jwt: {
        jwksUrl: 'https://idp.example/keys',
        rolesClaim: 'realm_access.roles',
        nameClaim: 'preferred_username',
      },
    });
    expect(problems({ ...backend, PLUGIN_GRAPH_JWT_ISSUER: 'https://idp.example' })).toEqual([
      'PLUGIN_GRAPH_JWT_ISSUER is set but PLUGIN_GRAPH_JWT_AUDIENCE is not: give both',
    ]);
    expect(
      problems({ ...backend, PLUGIN_GRAPH_TOKENS: 'a=operator', PLUGIN_GRAPH_JWT_AUDIENCE: 'pg' }),
    ).toEqual(['PLUGIN_GRAPH_JWT_AUDIENCE and PLUGIN_GRAPH_JWKS_URL need PLUGIN_GRAPH_JWT_ISSUER']);
    const list = problems({ ...backend, PLUGIN_GRAPH_JWT_ISSUER: 'not a url' });
    expect(list.some((p) => p.startsWith('PLUGIN_GRAPH_JWT_ISSUER'))).toBe(true);
  });

  it('KORAP_FORWARD_USER_TOKEN=1 marks the KorAP endpoint as forwarding', () => {
    const korap = {
      KORAP_URL: 'http://korap:8089/api/v1.0',
      KORAP_ACCESS_TOKEN: 'service-token',
      PLUGIN_GRAPH_TOKENS: 'a=operator',
    };
    expect(loadConfig({ ...korap, KORAP_FORWARD_USER_TOKEN: '1' }).backends.korap).toMatchObject({
      forwardUserToken: true,
    });
    expect(loadConfig(korap).backends.korap?.forwardUserToken).toBeUndefined();
    expect(
      problems({ ...korap, KORAP_FORWARD_USER_TOKEN: 'yes' }).some((p) =>
        p.startsWith('KORAP_FORWARD_USER_TOKEN'),
      ),
    ).toBe(true);
  });

  it('describes every variable', () => {
    const described = describeVariables();
    expect(described.length).toBeGreaterThanOrEqual(30);
    for (const v of described) expect(v.description, v.name).not.toBe('');
  });
});
