import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { App } from '../../src/app.ts';

/** Lower-case hex SHA-256: the hash Apollo's PersistedQueryLink and GraphQL Codegen send. */
export const sha256 = (text: string): string =>
  createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * The manifests of test/persisted/fixtures/:
 * - codegen-persisted-documents.json: GraphQL Codegen client-preset's `persisted-documents.json`
 *   shape, `{ "<sha256 of the text>": "<text>" }`;
 * - relay-persisted-queries.json: written by relay-compiler 21.0.1 with
 *   `"persistConfig": { "file": "./persisted_queries.json", "algorithm": "MD5" }` from three
 *   `graphql` tags (PersistedFixtureUpdatesQuery, PersistedFixtureBackendsQuery,
 *   PersistedFixtureInstallMutation) against schema.graphql without its `extend schema @link`.
 */
export const CODEGEN_MANIFEST = new URL(
  './fixtures/codegen-persisted-documents.json',
  import.meta.url,
).pathname;
export const RELAY_MANIFEST = new URL('./fixtures/relay-persisted-queries.json', import.meta.url)
  .pathname;

export function manifest(path: string): Record<string, string> {
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>;
}

/** The id (and text) of the manifest's document whose text includes `needle`. */
export function entry(path: string, needle: string): { id: string; text: string } {
  const found = Object.entries(manifest(path)).find(([, text]) => text.includes(needle));
  if (!found) throw new Error(`no document with ${needle} in ${path}`);
  return { id: found[0], text: found[1] };
}

/** Every request the HTTP server receives, as `METHOD path?query`, in order. */
export function requestsSeenBy(server: Server): string[] {
  const seen: string[] = [];
  server.on('request', (req: { method?: string; url?: string }) =>
    seen.push(`${req.method} ${req.url}`),
  );
  return seen;
}

/** How many GraphQL errors coded `code` the app has answered (its /metrics, every operation). */
export async function errorsCoded(app: App, code: string): Promise<number> {
  const text = await (await app.fetch('http://localhost/metrics')).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('plugin_graph_graphql_errors_total{')) continue;
    if (!line.includes(`code="${code}"`)) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}
