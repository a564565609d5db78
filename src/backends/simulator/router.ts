import type { SimHandler, SimRequest, SimResponse } from './server.ts';

/**
 * A tiny method + path router for simulators: `/admin/plugins/:id/action` style patterns,
 * parameters percent-decoded. Unmatched requests get the `fallback` (vendors differ on 404s).
 */
export type RouteHandler = (
  req: SimRequest,
  params: Readonly<Record<string, string>>,
) => SimResponse | Promise<SimResponse>;

interface Route {
  readonly method: string;
  readonly segments: readonly string[];
  readonly handler: RouteHandler;
}

export class Router {
  private readonly routes: Route[] = [];

  constructor(private readonly prefix = '') {}

  on(method: string, pattern: string, handler: RouteHandler): this {
    this.routes.push({ method, segments: split(this.prefix + pattern), handler });
    return this;
  }

  handler(fallback: SimHandler): SimHandler {
    return (req) => {
      const segments = split(req.path);
      for (const route of this.routes) {
        if (route.method !== req.method) continue;
        const params = match(route.segments, segments);
        if (params) return route.handler(req, params);
      }
      return fallback(req);
    };
  }
}

function split(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0);
}

function match(
  pattern: readonly string[],
  actual: readonly string[],
): Record<string, string> | undefined {
  if (pattern.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    const a = actual[i]!;
    if (p.startsWith(':')) params[p.slice(1)] = decodeURIComponent(a);
    else if (p !== a) return undefined;
  }
  return params;
}

export function json(
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): SimResponse {
  return {
    status,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(value),
  };
}

export function empty(status: number, headers: Record<string, string> = {}): SimResponse {
  return { status, headers, body: '' };
}
