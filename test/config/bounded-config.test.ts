import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { configProblems as problems } from '../helpers/config-problems.ts';

/**
 * Issue 25.6: configuration reads nothing without bound. Secret files and the endpoints file are
 * regular files under a cap, the endpoints file lists at most 10,000 endpoints and no prototype
 * key, and no URL but REDIS_URL holds credentials; each is a listed problem. Devices and FIFOs are
 * in bounded-config-server.test.ts: before the fix they block or grow the process that reads them.
 */

const KiB = 1024;
const MiB = 1024 * KiB;

function folder(): string {
  return mkdtempSync(join(tmpdir(), 'pg-bounded-'));
}

const SDM = {
  SDM_URL: 'https://sdm.example:8443/rest',
  SDM_USERNAME: 'u',
  PLUGIN_GRAPH_AUTH: 'none',
};

/** A block-style HSS entry as docs/fleets.md shows one, a few hundred bytes. */
function hssEntry(index: number): string {
  const name = `hss-${String(index).padStart(5, '0')}`;
  return `  - name: ${name}
    backend: hss
    url: https://hss.eu-west-101.myhuaweicloud.eu
    projectId: "0b1c2d3e4f"
    enterpriseProjectId: "0"
    accessKey: { env: HSS_EU_AK }
    secretKey: { env: HSS_EU_SK }
`;
}

describe('secret files', () => {
  it('X_FILE: a regular file of at most 64 KiB; one byte more, or a directory, is a listed problem', () => {
    const dir = folder();
    writeFileSync(join(dir, 'exact'), 'p'.repeat(64 * KiB));
    writeFileSync(join(dir, 'over'), 'p'.repeat(64 * KiB + 1));
    mkdirSync(join(dir, 'a-directory'));
    expect(
      loadConfig({ ...SDM, SDM_PASSWORD_FILE: join(dir, 'exact') }).backends.sdm?.password,
    ).toHaveLength(64 * KiB);
    expect(problems({ ...SDM, SDM_PASSWORD_FILE: join(dir, 'over') })).toEqual([
      `SDM_PASSWORD_FILE: ${join(dir, 'over')} is larger than 64 KiB`,
      'SDM_PASSWORD is required when SDM_URL is set',
    ]);
    expect(
      problems({
        ...SDM,
        SDM_PASSWORD: 'p',
        PLUGIN_GRAPH_AUTH: 'tokens',
        PLUGIN_GRAPH_TOKENS_FILE: join(dir, 'a-directory'),
      }),
    ).toEqual([
      `PLUGIN_GRAPH_TOKENS_FILE: ${join(dir, 'a-directory')} is not a regular file (a directory)`,
      'PLUGIN_GRAPH_TOKENS is required outside demo mode (or set PLUGIN_GRAPH_AUTH=none)',
    ]);
  });

  it('{ file } in the endpoints file: the same cap, the problem at its path in the file', () => {
    const dir = folder();
    writeFileSync(join(dir, 'sk'), `${'k'.repeat(64 * KiB + 1)}\n`);
    mkdirSync(join(dir, 'ak'));
    writeFileSync(
      join(dir, 'e.yaml'),
      'endpoints:\n  - { name: hss, backend: hss, url: "https://hss", projectId: p, accessKey: { file: ak }, secretKey: { file: sk } }\n',
    );
    expect(
      problems({ PLUGIN_GRAPH_ENDPOINTS_FILE: join(dir, 'e.yaml'), PLUGIN_GRAPH_AUTH: 'none' }),
    ).toEqual([
      `endpoints[hss].accessKey: file ${join(dir, 'ak')} is not a regular file (a directory)`,
      `endpoints[hss].secretKey: file ${join(dir, 'sk')} is larger than 64 KiB`,
    ]);
  });
});

describe('the endpoints file', () => {
  it('at most 4 MiB: one byte more is one problem, whatever it holds', () => {
    const dir = folder();
    const entry = hssEntry(0);
    const exact = `endpoints:\n${entry}#${'-'.repeat(4 * MiB - 'endpoints:\n'.length - entry.length - 2)}\n`;
    expect(exact.length).toBe(4 * MiB);
    writeFileSync(join(dir, 'exact.yaml'), exact);
    writeFileSync(join(dir, 'over.yaml'), `${exact}#`);
    const env = { HSS_EU_AK: 'ak', HSS_EU_SK: 'sk', PLUGIN_GRAPH_AUTH: 'none' };
    expect(
      loadConfig({ ...env, PLUGIN_GRAPH_ENDPOINTS_FILE: join(dir, 'exact.yaml') }).endpoints,
    ).toHaveLength(1);
    expect(problems({ ...env, PLUGIN_GRAPH_ENDPOINTS_FILE: join(dir, 'over.yaml') })).toEqual([
      `PLUGIN_GRAPH_ENDPOINTS_FILE: ${join(dir, 'over.yaml')} is larger than 4 MiB`,
    ]);
  });

  it('lists at most 10,000 endpoints (README-sized entries fit the byte cap); more is one problem', {
    timeout: 60_000, // two cores shared with other suites; parsing 2 MB of YAML is CPU-bound
  }, () => {
    const dir = folder();
    const entries = Array.from({ length: 10_000 }, (_, i) => hssEntry(i)).join('');
    writeFileSync(join(dir, 'fleet.yaml'), `endpoints:\n${entries}`);
    const env = { HSS_EU_AK: 'ak', HSS_EU_SK: 'sk', PLUGIN_GRAPH_AUTH: 'none' };
    const fleet = loadConfig({ ...env, PLUGIN_GRAPH_ENDPOINTS_FILE: join(dir, 'fleet.yaml') });
    expect(fleet.endpoints).toHaveLength(10_000);
    // Counted before any entry is checked: entries that are not even endpoints make one problem.
    // The issue's 130,000 threw RangeError.
    for (const count of [10_001, 130_000]) {
      const file = join(dir, `${count}.json`);
      writeFileSync(file, JSON.stringify({ endpoints: Array.from({ length: count }, () => ({})) }));
      expect(problems({ ...env, PLUGIN_GRAPH_ENDPOINTS_FILE: file })).toEqual([
        `endpoints: lists ${count} endpoints, at most 10000 are allowed`,
      ]);
    }
  });

  it('refuses __proto__, constructor and prototype as keys anywhere, YAML or JSON', () => {
    const dir = folder();
    writeFileSync(
      join(dir, 'e.yaml'),
      `endpoints:
  - { name: hss, backend: hss, url: "https://hss", projectId: p, authToken: t, __proto__: { colour: blue } }
  - name: hss-b
    backend: hss
    url: "https://hss.b"
    projectId: p
    authToken: { env: HSS_B_TOKEN, constructor: 1 }
extra:
  prototype: 1
`,
    );
    writeFileSync(
      join(dir, 'e.json'),
      '{"endpoints":[{"name":"hss","backend":"hss","url":"https://hss","projectId":"p","authToken":"t","__proto__":{"authToken":"x"}}]}',
    );
    const env = { HSS_B_TOKEN: 't', PLUGIN_GRAPH_AUTH: 'none' };
    expect(problems({ ...env, PLUGIN_GRAPH_ENDPOINTS_FILE: join(dir, 'e.yaml') })).toEqual([
      'endpoints[hss].__proto__: key not allowed (prototype keys are refused)',
      'endpoints[hss-b].authToken.constructor: key not allowed (prototype keys are refused)',
      'extra.prototype: key not allowed (prototype keys are refused)',
    ]);
    expect(problems({ ...env, PLUGIN_GRAPH_ENDPOINTS_FILE: join(dir, 'e.json') })).toEqual([
      'endpoints[hss].__proto__: key not allowed (prototype keys are refused)',
    ]);
  });
});

describe('URLs', () => {
  const VENDOR =
    "must not hold credentials (user:password@): give them in the backend's own settings";

  it('refuses credentials in vendor, issuer and JWKS URLs, never quoting them', () => {
    const dir = folder();
    writeFileSync(
      join(dir, 'e.yaml'),
      'endpoints:\n  - { name: hss-eu, backend: hss, url: "https://ak:sk-in-file@hss.eu", projectId: p, authToken: t }\n',
    );
    const list = problems({
      HSS_URL: 'https://user:pass-in-env@hss.example/',
      HSS_PROJECT_ID: 'p',
      HSS_AUTH_TOKEN: 't',
      APPLIANCE_URL: 'https://admin@dr:5480/configure',
      APPLIANCE_USERNAME: 'u',
      APPLIANCE_PASSWORD: 'p',
      PLUGIN_GRAPH_TOKENS: 'a=operator',
      PLUGIN_GRAPH_JWT_ISSUER: 'https://client:issuer-secret@idp.example/realms/x',
      PLUGIN_GRAPH_JWT_AUDIENCE: 'plugin-graph',
      PLUGIN_GRAPH_JWKS_URL: 'https://client:jwks-secret@idp.example/certs',
    });
    expect(list).toEqual([
      'PLUGIN_GRAPH_JWT_ISSUER: must not hold credentials (user:password@): an OIDC issuer is public',
      'PLUGIN_GRAPH_JWKS_URL: must not hold credentials (user:password@): signing keys are public',
      `HSS_URL: ${VENDOR}`,
      `APPLIANCE_URL: ${VENDOR}`,
    ]);
    expect(
      problems({ PLUGIN_GRAPH_ENDPOINTS_FILE: join(dir, 'e.yaml'), PLUGIN_GRAPH_AUTH: 'none' }),
    ).toEqual([`endpoints[hss-eu].url: ${VENDOR}`]);
    expect(list.join('\n')).not.toMatch(/pass-in-env|issuer-secret|jwks-secret|admin/);
  });

  it('keeps REDIS_URL credentials: the URL is how a Redis password is given', () => {
    expect(loadConfig({ REDIS_URL: 'redis://:redis-password@127.0.0.1:6379' }).redisUrl).toBe(
      'redis://:redis-password@127.0.0.1:6379',
    );
  });
});
