import { describe, expect, it, onTestFinished } from 'vitest';
import { startApplianceSimulator } from '../../src/backends/appliance/simulator.ts';
import { type Config, loadConfig } from '../../src/config/index.ts';
import { createLogger } from '../../src/ops/logger.ts';
import { createRuntime } from '../../src/runtime.ts';
import { startTestIdp, TEST_AUDIENCE } from '../helpers/oidc.ts';
import { listen } from '../subscriptions/helpers.ts';

/**
 * Issue 25.2: operation names (read before authentication) and other caller-controlled strings
 * are bounded before they become a metric label or a log field; an unauthenticated request gets
 * no series of its own name. Over real HTTP, with the production logger at trace level.
 */

const OPERATOR = 'bounds-operator-token-5c1e77a0';
/** The bounds the issue asks for: an operation name as label or field, any logged string. */
const NAME_BOUND = 64;
const FIELD_BOUND = 1_024;
const BIG = 100_000;

async function start(env: Record<string, string> = {}) {
  const appliance = await startApplianceSimulator({ installMs: 100 });
  const config: Config = {
    ...loadConfig({
      PLUGIN_GRAPH_TOKENS: `${OPERATOR}=operator`,
      APPLIANCE_URL: appliance.url,
      APPLIANCE_USERNAME: 'x',
      APPLIANCE_PASSWORD: 'x',
      ...env,
    }),
    backends: { appliance: appliance.config() },
    dataDir: undefined, // memory: no ./data written by the suite
    backendTimeoutMs: 1_000,
  };
  const lines: string[] = [];
  const runtime = createRuntime(
    config,
    createLogger('trace', { write: (line: string) => void lines.push(line) }),
  );
  const http = await listen(runtime.app);
  onTestFinished(async () => {
    await http.close();
    await runtime.close();
    await appliance.close();
  });
  const base = http.url.replace(/\/graphql$/, '');
  return {
    lines,
    url: http.url,
    async post(body: Record<string, unknown>, headers: Record<string, string> = {}) {
      const res = await fetch(http.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
      return { status: res.status, text: await res.text() };
    },
    async metrics() {
      const res = await fetch(`${base}/metrics`);
      return { status: res.status, text: await res.text() };
    },
  };
}

/** Every string (keys too) of every log line, with the path it sits at. */
function loggedStrings(lines: readonly string[]): { path: string; length: number }[] {
  const found: { path: string; length: number }[] = [];
  const walk = (value: unknown, path: string) => {
    if (typeof value === 'string') found.push({ path, length: value.length });
    else if (Array.isArray(value)) for (const [i, v] of value.entries()) walk(v, `${path}[${i}]`);
    else if (typeof value === 'object' && value !== null)
      for (const [key, v] of Object.entries(value)) {
        found.push({ path: `${path}.<key>`, length: key.length });
        walk(v, `${path}.${key}`);
      }
  };
  for (const line of lines)
    walk(JSON.parse(line), (JSON.parse(line) as { msg?: string }).msg ?? '');
  return found;
}

function operationNames(lines: readonly string[]): string[] {
  return lines
    .map((l) => JSON.parse(l) as { msg?: string; operationName?: string })
    .filter((l) => l.msg === 'graphql request')
    .map((l) => String(l.operationName));
}

describe('caller-controlled strings in labels and logs', () => {
  it('200 unauthenticated requests with distinct 100 KB names leave /metrics small, with no series of theirs', async () => {
    const app = await start();
    const names = Array.from({ length: 200 }, (_, i) =>
      // Half GraphQL names, half anything at all.
      i % 2 === 0 ? `Op${i}_${'x'.repeat(BIG)}` : `<${i}> ${'y'.repeat(BIG)}`,
    );
    for (let i = 0; i < names.length; i += 20) {
      const answers = await Promise.all(
        names
          .slice(i, i + 20)
          .map((name) =>
            app.post(
              { query: 'query Q { __typename }', operationName: name },
              { 'user-agent': 'z'.repeat(8_000), 'x-request-id': 'r'.repeat(8_000) },
            ),
          ),
      );
      for (const a of answers) expect(a.status).toBe(401);
    }

    const { status, text } = await app.metrics();
    expect(status).toBe(200);
    // About 10 KB here (most of it the process series); the names alone were 20 MB.
    expect(text.length).toBeLessThan(100_000);
    expect(text).not.toContain('xxxxxxxxxx');
    expect(text).not.toContain('yyyyyyyyyy');
    expect(text).not.toMatch(/operation="Op\d/);
    expect(text).toContain(
      'plugin_graph_graphql_errors_total{operation="unauthenticated",code="UNAUTHENTICATED"} 200',
    );

    // One bounded line per request; no logged string over the bound.
    const logged = operationNames(app.lines);
    expect(logged).toHaveLength(200);
    for (const name of logged) expect(name.length).toBeLessThanOrEqual(NAME_BOUND);
    expect(logged).toContain('invalid');
    const over = loggedStrings(app.lines).filter((s) => s.length > FIELD_BOUND);
    expect(over).toEqual([]);
    expect(app.lines.join('').length).toBeLessThan(500_000);
  });

  it('an authenticated 100 KB operation name yields a bounded label and log field', async () => {
    const app = await start();
    const long = `Long${'n'.repeat(BIG)}`;
    const auth = { authorization: `Bearer ${OPERATOR}` };
    const ran = await app.post(
      { query: `query ${long} { __typename }`, operationName: long },
      auth,
    );
    expect(ran.status).toBe(200);
    expect(JSON.parse(ran.text)).toEqual({ data: { __typename: 'Query' } });
    // A name no document can hold: its validation error is counted under `invalid`.
    const odd = await app.post(
      { query: 'query Q { __typename }', operationName: `a b ${'c'.repeat(BIG)}` },
      auth,
    );
    expect(odd.status).toBe(400);

    const { text } = await app.metrics();
    const label = long.slice(0, NAME_BOUND);
    expect(text).toContain(
      `plugin_graph_graphql_requests_total{operation="${label}",type="query"} 1`,
    );
    expect(text).toContain(
      'plugin_graph_graphql_requests_total{operation="invalid",type="unknown"} 1',
    );
    expect(text).not.toContain('n'.repeat(NAME_BOUND + 1));
    expect(text).not.toContain('cccccccccc');
    expect(operationNames(app.lines)).toEqual([label, 'invalid']);
    expect(loggedStrings(app.lines).filter((s) => s.length > FIELD_BOUND)).toEqual([]);
  });

  it("a JWT's long user name is bounded in every log line (the audit trail's among them)", async () => {
    const idp = await startTestIdp();
    onTestFinished(() => idp.close());
    const app = await start({
      PLUGIN_GRAPH_JWT_ISSUER: idp.issuer,
      PLUGIN_GRAPH_JWT_AUDIENCE: TEST_AUDIENCE,
    });
    // As long as a header may be (Node takes 16 KB of headers).
    const viewer = await idp.sign({ roles: ['viewer'] }, { subject: `u${'s'.repeat(9_000)}` });
    const refused = await app.post(
      { query: 'mutation M { installUpdate(input: { version: "9.0.3.0" }) { __typename } }' },
      { authorization: `Bearer ${viewer}` },
    );
    expect(JSON.parse(refused.text).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const audit = app.lines
      .map((l) => JSON.parse(l) as { msg?: string })
      .filter((l) => l.msg === 'audit');
    expect(audit.length).toBeGreaterThan(0);
    expect(loggedStrings(app.lines).filter((s) => s.length > FIELD_BOUND)).toEqual([]);
  });
});
