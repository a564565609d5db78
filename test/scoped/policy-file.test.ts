import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Caller } from '../../src/auth/auth.ts';
import { compilePolicy } from '../../src/auth/policy.ts';
import { ConfigError, loadConfig } from '../../src/config/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'policy-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig({ PLUGIN_GRAPH_DEMO: '1', ...env });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

const TWO_TEAMS = `
grants:
  - subjects: [group:apac, user:carol]
    role: operator
    endpoints: [hss-ap]
  - subjects: [group:dr]
    role: operator
    endpoints: [hss]
  - subjects: ["role:viewer", "group:apac"]
    role: viewer
    endpoints: ["hss*"]
`;

describe('PLUGIN_GRAPH_POLICY_FILE', () => {
  it('reads a YAML or a JSON file into grants', () => {
    const yaml = loadConfig({
      PLUGIN_GRAPH_DEMO: '1',
      PLUGIN_GRAPH_POLICY_FILE: file('ok.yaml', TWO_TEAMS),
    });
    expect(yaml.policy?.grants).toHaveLength(3);
    expect(yaml.policy?.grants[2]).toEqual({
      subjects: ['role:viewer', 'group:apac'],
      role: 'viewer',
      endpoints: ['hss*'],
    });
    const json = loadConfig({
      PLUGIN_GRAPH_DEMO: '1',
      PLUGIN_GRAPH_POLICY_FILE: file(
        'ok.json',
        JSON.stringify({ grants: [{ subjects: ['user:x'], role: 'viewer' }] }),
      ),
    });
    expect(json.policy?.grants).toEqual([{ subjects: ['user:x'], role: 'viewer' }]);
    expect(json.jwtGroupsClaim).toBe('groups');
    expect(loadConfig({ PLUGIN_GRAPH_DEMO: '1' }).policy).toBeUndefined();
  });

  it('lists every problem of a broken file together with the others', () => {
    const broken = file(
      'broken.yaml',
      `
grants:
  - subjects: [team:apac]
    role: admin
    endpoints: [HSS_AP]
  - subjects: []
    role: viewer
    extra: 1
`,
    );
    const problems = problemsOf({ PLUGIN_GRAPH_POLICY_FILE: broken });
    const policy = problems.filter((p) => p.startsWith('PLUGIN_GRAPH_POLICY_FILE'));
    expect(policy.some((p) => p.includes('grants.0.subjects.0'))).toBe(true);
    expect(policy.some((p) => p.includes('grants.0.role'))).toBe(true);
    expect(policy.some((p) => p.includes('grants.0.endpoints.0'))).toBe(true);
    expect(policy.some((p) => p.includes('grants.1.subjects'))).toBe(true);
    expect(policy.some((p) => p.includes('grants.1') && p.includes('extra'))).toBe(true);
  });

  it('names a missing, non-YAML or wrongly shaped file', () => {
    expect(problemsOf({ PLUGIN_GRAPH_POLICY_FILE: join(dir, 'none.yaml') })).toEqual([
      `PLUGIN_GRAPH_POLICY_FILE: cannot read ${join(dir, 'none.yaml')}`,
    ]);
    const [bad] = problemsOf({ PLUGIN_GRAPH_POLICY_FILE: file('bad.yaml', 'grants: [\n') });
    expect(bad).toMatch(/^PLUGIN_GRAPH_POLICY_FILE: not YAML or JSON at line/);
    expect(problemsOf({ PLUGIN_GRAPH_POLICY_FILE: file('list.yaml', '- a\n') })).toHaveLength(1);
    expect(problemsOf({ PLUGIN_GRAPH_POLICY_FILE: dir })[0]).toMatch(/not a regular file/);
  });
});

describe('the compiled policy', () => {
  const policy = compilePolicy(
    loadConfig({ PLUGIN_GRAPH_DEMO: '1', PLUGIN_GRAPH_POLICY_FILE: file('p.yaml', TWO_TEAMS) })
      .policy,
  );
  const caller = (c: Partial<Caller>): Caller => ({
    name: 'someone',
    role: 'operator',
    via: 'jwt',
    ...c,
  });

  it('gives the highest role of the grants matching caller and endpoint', () => {
    const apac = policy?.scopeOf(caller({ groups: ['apac'] }));
    expect(['hss', 'hss-ap', 'hss-apx', 'sdm'].map((e) => apac?.roleOn(e))).toEqual([
      'viewer',
      'operator',
      'viewer',
      undefined,
    ]);
    const carol = policy?.scopeOf(caller({ name: 'carol', via: 'token' }));
    expect(['hss', 'hss-ap'].map((e) => carol?.roleOn(e))).toEqual([undefined, 'operator']);
    const viewer = policy?.scopeOf(caller({ role: 'viewer', via: 'token' }));
    expect(['hss', 'hss-ap', 'sdm'].map((e) => viewer?.roleOn(e))).toEqual([
      'viewer',
      'viewer',
      undefined,
    ]);
    const nobody = policy?.scopeOf(caller({ groups: ['other'] }));
    expect(nobody?.roleOn('hss')).toBeUndefined();
  });

  it('keys a scope by the grants that apply, not by who the caller is', () => {
    const a = policy?.scopeOf(caller({ name: 'a', groups: ['dr'] }));
    const b = policy?.scopeOf(caller({ name: 'b', groups: ['dr'] }));
    const c = policy?.scopeOf(caller({ name: 'c', groups: ['apac'] }));
    expect(a?.key).toBe(b?.key);
    expect(a?.key).not.toBe(c?.key);
    expect(compilePolicy(undefined)).toBeUndefined();
  });
});
