import type { CORSOptionsFactory } from '@whatwg-node/server';
import type { Plugin as YogaPlugin } from 'graphql-yoga';

/**
 * CORS (docs/security.md). Demo mode allows every `http://localhost:*` and `http://127.0.0.1:*`
 * origin, so a browser app under development (a Vite dev server on :5173) can call the demo;
 * otherwise only the origins in CORS_ORIGINS (in demo mode, those too). A preflight is always
 * answered (204, with CORS headers for an allowed origin and none for another, so the browser
 * refuses), never handed to GraphQL, where it would meet CSRF prevention.
 */

/** Any port of the loopback names, over plain http (what dev servers serve). */
const LOOPBACK_ORIGIN = /^http:\/\/(?:localhost|127\.0\.0\.1)(?::\d{1,5})?$/;

export interface CorsPolicy {
  /** Yoga's `cors` option: false when no origin can be allowed (no per-request work). */
  readonly cors: CORSOptionsFactory<unknown> | false;
  /** Plugins answering what Yoga's CORS would otherwise answer: preflights when it is off. */
  readonly plugins: readonly YogaPlugin[];
}

/** The configuration CORS reads (config/index.ts: PLUGIN_GRAPH_DEMO, CORS_ORIGINS). */
export interface CorsConfig {
  readonly demo: boolean;
  readonly corsOrigins: readonly string[];
}

export function corsPolicy(config: CorsConfig): CorsPolicy {
  const listed = new Set(config.corsOrigins);
  if (!config.demo && listed.size === 0) return { cors: false, plugins: [usePreflightAnswer()] };
  const allowed = (origin: string) =>
    listed.has(origin) || (config.demo && LOOPBACK_ORIGIN.test(origin));
  return {
    // The request's own origin, echoed when allowed; no grant otherwise. Listed twice because
    // @whatwg-node/server 0.11's useCORS adds `Vary: Origin` only to a list of several origins
    // (pinned with `~`; once a single origin gets `Vary` too, list it once).
    cors: (request) => {
      const origin = request.headers.get('origin');
      return origin !== null && allowed(origin) ? { origin: [origin, origin] } : false;
    },
    plugins: [],
  };
}

/** With CORS off: a preflight gets an empty 204 and no grant, so the browser refuses. */
function usePreflightAnswer(): YogaPlugin {
  return {
    onRequest({ request, endResponse, fetchAPI }) {
      if (request.method !== 'OPTIONS') return;
      endResponse(new fetchAPI.Response(null, { status: 204, headers: { 'content-length': '0' } }));
    },
  };
}
