import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApplianceSimulator,
  startApplianceSimulator,
} from '../../src/backends/appliance/simulator.ts';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.ts';

/**
 * A browser app on another origin (a Vite dev server on :5173, say) calling plugin-graph: a page
 * served by a tiny node:http server on its own loopback port, opened in Debian's Chromium, runs
 * a JSON POST query with fetch. Demo mode allows every `http://localhost:*` and
 * `http://127.0.0.1:*` origin; outside demo mode only CORS_ORIGINS, and Chromium itself refuses
 * the answer to any other origin. Skipped with a message where Chromium is absent, except under
 * CI=true (as test/browser/graphiql.test.ts).
 */

const CHROMIUM = '/usr/bin/chromium';
const present = existsSync(CHROMIUM);
const inCi = process.env.CI === 'true' || process.env.CI === '1';
if (!present && !inCi) {
  console.warn(
    `CORS browser test skipped: ${CHROMIUM} not found (apt-get install -y chromium); it always runs under CI=true`,
  );
}

/** The app's page: `callGraphql(url)` POSTs a query as JSON, as any frontend client does. */
const PAGE = `<!doctype html>
<html><head><title>app</title><script>
window.callGraphql = async (url) => {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query: '{ backends { backend configured } }' }),
    });
    return { status: res.status, body: await res.json() };
  } catch (err) {
    return { failed: String(err) };
  }
};
</script></head><body>app</body></html>`;

interface CallResult {
  status?: number;
  body?: { data?: { backends: { backend: string; configured: boolean }[] } };
  failed?: string;
}

async function startPageServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}

async function stop(server: ServerProcess | undefined): Promise<void> {
  if (server && server.proc.exitCode === null) {
    server.proc.kill('SIGTERM');
    await server.exited;
  }
}

describe.skipIf(!present && !inCi)('a page on another loopback origin, in Chromium', () => {
  let context: BrowserContext | undefined;
  let profile: string | undefined;
  let page: { server: Server; port: number } | undefined;
  let demo: ServerProcess | undefined;
  let configured: ServerProcess | undefined;
  let appliance: ApplianceSimulator | undefined;

  beforeAll(async () => {
    page = await startPageServer();
    appliance = await startApplianceSimulator();
    [demo, configured] = await Promise.all([
      // Demo mode, as `npm start` runs on a fresh machine: no variables at all.
      startServerProcess({}),
      // A configured server that lists only the page's `localhost` origin.
      startServerProcess({
        APPLIANCE_URL: appliance.url,
        APPLIANCE_USERNAME: 'admin',
        APPLIANCE_PASSWORD: 'secret',
        PLUGIN_GRAPH_AUTH: 'none',
        CORS_ORIGINS: `http://localhost:${page.port}`,
      }),
    ]);
    profile = mkdtempSync(join(tmpdir(), 'plugin-graph-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await Promise.all([stop(demo), stop(configured)]);
    await appliance?.close();
    page?.server.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  /** Opens the app's page at `origin` and runs its query against `graphqlUrl`. */
  async function callFrom(origin: string, graphqlUrl: string) {
    const tab = await context!.newPage();
    const console: string[] = [];
    tab.on('console', (msg) => console.push(msg.text()));
    try {
      await tab.goto(`${origin}/`);
      const result = await tab.evaluate(
        (url) =>
          (window as unknown as { callGraphql(url: string): Promise<CallResult> }).callGraphql(url),
        graphqlUrl,
      );
      return { result, console };
    } finally {
      await tab.close();
    }
  }

  it('demo mode: a page on http://localhost:<port> and on http://127.0.0.1:<port> gets data', async () => {
    for (const origin of [`http://localhost:${page!.port}`, `http://127.0.0.1:${page!.port}`]) {
      const { result } = await callFrom(origin, demo!.url);
      expect(result.failed).toBeUndefined();
      expect(result.status).toBe(200);
      expect(result.body?.data?.backends).toContainEqual({ backend: 'SDM', configured: true });
    }
  }, 60_000);

  it('outside demo mode: an origin not in CORS_ORIGINS is refused by the browser; a listed one passes', async () => {
    const refused = await callFrom(`http://127.0.0.1:${page!.port}`, configured!.url);
    expect(refused.result.failed).toMatch(/TypeError: Failed to fetch/);
    expect(refused.console.join('\n')).toMatch(/blocked by CORS policy/);

    const listed = await callFrom(`http://localhost:${page!.port}`, configured!.url);
    expect(listed.result.failed).toBeUndefined();
    expect(listed.result.body?.data?.backends).toContainEqual({
      backend: 'APPLIANCE',
      configured: true,
    });
  }, 60_000);
});
