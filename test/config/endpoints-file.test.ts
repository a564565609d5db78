import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { configProblems as problems } from '../helpers/config-problems.ts';

/** A fresh folder holding `files` (name → text); returns its path. */
function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'pg-endpoints-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const HSS_YAML = `# one HSS region
endpoints:
  - name: hss
    backend: hss
    url: https://hss.eu-west-101.myhuaweicloud.eu
    projectId: 0b1c2d
    accessKey: { env: HSS_EU_AK }
    secretKey: { file: hss-eu-sk }
`;

describe('PLUGIN_GRAPH_ENDPOINTS_FILE', () => {
  it('refuses a file with every kind of mistake, listing each with its path and no secret', () => {
    const dir = folder({
      'endpoints.yaml': `endpoints:
  - name: Bad_Name
    backend: hss
    url: https://hss.example
    projectId: p1
    accessKey: literal-access-key-1
    secretKey: { env: HSS_EU_SK }
  - name: hss-eu
    backend: oracle
  - name: hss-eu
    backend: appliance
    username: admin
    password: { file: /nonexistent/appliance-password }
    colour: blue
  - name: sdm
    backend: sdm
    url: ftp://sdm.example/rest
    username: u
    password: literal-password-2
`,
    });
    const list = problems({
      PLUGIN_GRAPH_ENDPOINTS_FILE: join(dir, 'endpoints.yaml'),
      SDM_URL: 'https://sdm.example:8443/rest',
      SDM_USERNAME: 'u',
      SDM_PASSWORD: 'env-password-3',
      PLUGIN_GRAPH_AUTH: 'none',
    });
    expect(list).toEqual([
      // By place: an invalid name, a name two entries share; else by name.
      'endpoints[0].name: must match ^[a-z][a-z0-9-]{0,31}$',
      'endpoints[0].secretKey: env HSS_EU_SK is not set',
      expect.stringMatching(/^endpoints\[1\]\.backend: /),
      // An unknown backend: its url is still checked (here, missing).
      expect.stringMatching(/^endpoints\[1\]\.url: /),
      'endpoints[2].name: "hss-eu" is used twice (first at endpoints[1])',
      expect.stringMatching(/^endpoints\[2\]\.url: /),
      'endpoints[2].password: cannot read file /nonexistent/appliance-password',
      'endpoints[2].colour: unknown key',
      'endpoints[sdm].name: "sdm" is also the endpoint SDM_URL configures',
      expect.stringMatching(/^endpoints\[sdm\]\.url: /),
    ]);
    const text = list.join('\n');
    for (const secret of ['literal-access-key-1', 'literal-password-2', 'env-password-3'])
      expect(text).not.toContain(secret);
  });

  it('reports a file that is not YAML by line and code, without quoting it', () => {
    const dir = folder({
      'bad.yaml': 'endpoints:\n  - name: hss\n    password: "unterminated-secret-4\n',
    });
    const list = problems({
      PLUGIN_GRAPH_ENDPOINTS_FILE: join(dir, 'bad.yaml'),
      PLUGIN_GRAPH_AUTH: 'none',
    });
    expect(list.length).toBeGreaterThan(0);
    for (const p of list) expect(p).toMatch(/^PLUGIN_GRAPH_ENDPOINTS_FILE: not YAML or JSON at /);
    expect(list.join('\n')).not.toContain('unterminated-secret-4');
    expect(
      problems({
        PLUGIN_GRAPH_ENDPOINTS_FILE: join(dir, 'missing.yaml'),
        PLUGIN_GRAPH_AUTH: 'none',
      }),
    ).toEqual([`PLUGIN_GRAPH_ENDPOINTS_FILE: cannot read ${join(dir, 'missing.yaml')}`]);
  });

  it("refuses a file whose aliases would expand beyond yaml's limit", () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 8; i++)
      levels.push(
        `${'b'.repeat(i)}: &${'b'.repeat(i)} [${Array(10)
          .fill(i === 1 ? '*a' : `*${'b'.repeat(i - 1)}`)
          .join(', ')}]`,
      );
    const dir = folder({ 'laughs.yaml': `${levels.join('\n')}\nendpoints: []\n` });
    expect(
      problems({
        PLUGIN_GRAPH_ENDPOINTS_FILE: join(dir, 'laughs.yaml'),
        PLUGIN_GRAPH_AUTH: 'none',
      }),
    ).toEqual(['PLUGIN_GRAPH_ENDPOINTS_FILE: too many YAML aliases']);
  });

  it('refuses unknown top-level keys and a missing endpoints list', () => {
    const dir = folder({ 'e.yaml': 'endpoint: []\n' });
    expect(
      problems({ PLUGIN_GRAPH_ENDPOINTS_FILE: join(dir, 'e.yaml'), PLUGIN_GRAPH_AUTH: 'none' }),
    ).toEqual([expect.stringMatching(/^endpoints: /), 'endpoint: unknown key']);
  });

  it('parses YAML and JSON alike, reading secrets from { env } and { file } (beside the file)', () => {
    const dir = folder({
      'endpoints.yaml': HSS_YAML,
      'endpoints.json': JSON.stringify({
        endpoints: [
          {
            name: 'hss',
            backend: 'hss',
            url: 'https://hss.eu-west-101.myhuaweicloud.eu',
            projectId: '0b1c2d',
            accessKey: { env: 'HSS_EU_AK' },
            secretKey: { file: 'hss-eu-sk' },
          },
        ],
      }),
      'hss-eu-sk': 'sk-from-file\n',
    });
    const env = { HSS_EU_AK: 'ak-from-env', PLUGIN_GRAPH_AUTH: 'none' };
    const fromYaml = loadConfig({
      ...env,
      PLUGIN_GRAPH_ENDPOINTS_FILE: join(dir, 'endpoints.yaml'),
    });
    const fromJson = loadConfig({
      ...env,
      PLUGIN_GRAPH_ENDPOINTS_FILE: join(dir, 'endpoints.json'),
    });
    const hss = {
      url: 'https://hss.eu-west-101.myhuaweicloud.eu',
      projectId: '0b1c2d',
      enterpriseProjectId: undefined,
      auth: { mode: 'aksk', accessKey: 'ak-from-env', secretKey: 'sk-from-file' },
    };
    for (const config of [fromYaml, fromJson]) {
      expect(config.demo).toBe(false);
      expect(config.endpoints).toEqual([
        { name: 'hss', backend: 'hss', source: 'file', origin: 'endpoints[hss]', settings: hss },
      ]);
      expect(config.backends).toEqual({ hss });
      expect(config.secrets).toEqual(expect.arrayContaining(['ak-from-env', 'sk-from-file']));
    }
  });

  it('checks each setting as its environment variable is checked (defaults, formats, required)', () => {
    const dir = folder({
      'e.yaml': `endpoints:
  - { name: appliance, backend: appliance, url: "https://dr:5480", username: admin, password: pw }
  - { name: sdm, backend: sdm, url: "https://sdm:8443/rest", apiVersion: "1.3", password: pw }
  - { name: hss, backend: hss, url: "https://hss", projectId: 12, authToken: t, accessKey: ak }
`,
    });
    const file = join(dir, 'e.yaml');
    expect(problems({ PLUGIN_GRAPH_ENDPOINTS_FILE: file, PLUGIN_GRAPH_AUTH: 'none' })).toEqual([
      'endpoints[sdm].apiVersion: must look like v1.3',
      expect.stringMatching(/^endpoints\[hss\]\.projectId: /), // a YAML number, not a string
    ]);
    const fixed = folder({
      'e.yaml': `endpoints:
  - { name: appliance, backend: appliance, url: "https://dr:5480", username: admin, password: pw }
  - { name: sdm, backend: sdm, url: "https://sdm:8443/rest", password: pw }
  - { name: hss, backend: hss, url: "https://hss", projectId: "12", authToken: t, accessKey: ak }
`,
    });
    expect(
      problems({ PLUGIN_GRAPH_ENDPOINTS_FILE: join(fixed, 'e.yaml'), PLUGIN_GRAPH_AUTH: 'none' }),
    ).toEqual([
      'endpoints[sdm].username is required',
      'endpoints[hss]: give either accessKey/secretKey or authToken, not both',
    ]);
  });

  it('serves several HSS and appliance endpoints under any names (SPEC §10)', () => {
    const dir = folder({
      'fleet.yaml': `endpoints:
  - { name: hss-eu, backend: hss, url: "https://hss.eu", projectId: p, authToken: t1 }
  - { name: hss-ap, backend: hss, url: "https://hss.ap", projectId: p, authToken: t2 }
  - { name: dr-site-a, backend: appliance, url: "https://dr:5480", username: u, password: p }
`,
    });
    const config = loadConfig({
      PLUGIN_GRAPH_AUTH: 'none',
      HSS_URL: 'https://hss.cn',
      HSS_PROJECT_ID: 'p',
      HSS_AUTH_TOKEN: 't',
      PLUGIN_GRAPH_ENDPOINTS_FILE: join(dir, 'fleet.yaml'),
    });
    expect(config.endpoints.map((e) => [e.name, e.backend])).toEqual([
      ['hss', 'hss'],
      ['hss-eu', 'hss'],
      ['hss-ap', 'hss'],
      ['dr-site-a', 'appliance'],
    ]);
    // `backends` holds the endpoints named after their backend only.
    expect(Object.keys(config.backends)).toEqual(['hss']);
  });

  it("serves several endpoints of every backend, the environment's counted with the file's", () => {
    const dir = folder({
      'two.yaml': `endpoints:
  - { name: zs-a, backend: zstack, url: "http://zs.a:8080/zstack", account: a, password: p }
  - { name: zs-b, backend: zstack, url: "http://zs.b:8080/zstack", account: a, password: p }
  - { name: sdm-a, backend: sdm, url: "https://sdm:8443/rest", username: u, password: p }
`,
    });
    const config = loadConfig({
      PLUGIN_GRAPH_AUTH: 'none',
      ZSTACK_URL: 'http://zs.c:8080/zstack',
      ZSTACK_ACCOUNT: 'a',
      ZSTACK_PASSWORD: 'p',
      PLUGIN_GRAPH_ENDPOINTS_FILE: join(dir, 'two.yaml'),
    });
    expect(config.endpoints.map((e) => `${e.name} (${e.origin})`)).toEqual([
      'zstack (ZSTACK_URL)',
      'zs-a (endpoints[zs-a])',
      'zs-b (endpoints[zs-b])',
      'sdm-a (endpoints[sdm-a])',
    ]);
    expect(Object.keys(config.backends)).toEqual(['zstack']);
  });

  it('used with the environment: one endpoint per source, the file is not read in demo mode', () => {
    const dir = folder({ 'hss.yaml': HSS_YAML, 'hss-eu-sk': 'sk' });
    const config = loadConfig({
      PLUGIN_GRAPH_ENDPOINTS_FILE: join(dir, 'hss.yaml'),
      HSS_EU_AK: 'ak',
      APPLIANCE_URL: 'https://dr:5480',
      APPLIANCE_USERNAME: 'u',
      APPLIANCE_PASSWORD: 'p',
      PLUGIN_GRAPH_AUTH: 'none',
    });
    expect(config.endpoints.map((e) => [e.name, e.source])).toEqual([
      ['appliance', 'environment'],
      ['hss', 'file'],
    ]);
    expect(Object.keys(config.backends)).toEqual(['appliance', 'hss']);
    // A name the environment already uses: that one problem, the entry is not an endpoint.
    expect(
      problems({
        PLUGIN_GRAPH_ENDPOINTS_FILE: join(dir, 'hss.yaml'),
        HSS_EU_AK: 'ak',
        HSS_URL: 'https://hss.cn',
        HSS_PROJECT_ID: 'p',
        HSS_AUTH_TOKEN: 't',
        PLUGIN_GRAPH_AUTH: 'none',
      }),
    ).toEqual(['endpoints[hss].name: "hss" is also the endpoint HSS_URL configures']);
    const demo = loadConfig({
      PLUGIN_GRAPH_DEMO: '1',
      PLUGIN_GRAPH_ENDPOINTS_FILE: '/nonexistent',
    });
    expect(demo.demo).toBe(true);
    expect(demo.endpoints).toEqual([]);
    const empty = folder({ 'e.yaml': 'endpoints: []\n' });
    expect(
      problems({ PLUGIN_GRAPH_ENDPOINTS_FILE: join(empty, 'e.yaml'), PLUGIN_GRAPH_AUTH: 'none' }),
    ).toEqual(['PLUGIN_GRAPH_ENDPOINTS_FILE lists no endpoint and no *_URL is set']);
  });
});
