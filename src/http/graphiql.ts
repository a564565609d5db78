import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { GraphiQLOptions, Plugin as YogaPlugin } from 'graphql-yoga';
import { type Encoding, negotiateEncoding, withVary } from './accept-encoding.ts';
import { bytes } from './bytes.ts';
import { GRAPHIQL_HEAD } from './graphiql-additions.ts';

/**
 * GraphiQL with its scripts, styles and editor workers inlined (@graphql-yoga/render-graphiql),
 * where Yoga's default page fetches them from a public CDN: GraphiQL works offline, behind a
 * firewall and in CI, with plugin-graph's additions (graphiql-additions.ts). Served by this
 * plugin, not Yoga's `graphiql` option, so the page can be compressed and revalidated: it is
 * 9 MB, ~1.95 MB in brotli and ~2.4 MB in gzip.
 *
 * The page is rendered at its first view, not at start-up (every test runtime would pay for it),
 * and each compressed form the first time a browser asks for it, then kept in memory. Brotli at
 * quality 5 and gzip at its default level take ~0.4 s and ~0.25 s of one core, once, and that
 * first view waits for them: quality 9 would take 1.3 s for 5 % less and quality 11 ~20 s for
 * 12 % less, which a browser on a 10 Mbit/s link would not win back.
 *
 * Caching: `Cache-Control: no-cache` with a strong ETag, so every load revalidates and a page
 * the browser holds comes back as a 304 without a body. Not a max-age: the page carries this
 * server's example operations, and after an upgrade a browser must not keep an old one. `Vary:
 * Accept, Accept-Encoding`: /graphql answers a GET with this page or with GraphQL JSON depending
 * on Accept, and in one of three codings depending on Accept-Encoding.
 */

type Compressed = Exclude<Encoding, 'identity'>;

const brotli = promisify(brotliCompress);
const gzipped = promisify(gzip);

const VARY = ['Accept', 'Accept-Encoding'];

class GraphiQLPage {
  /** The ETag of the identity form; each coding's adds `-br` or `-gzip` (another representation). */
  private readonly tag: string;
  private readonly compressed = new Map<Compressed, Promise<Buffer>>();

  constructor(private readonly identity: Buffer) {
    this.tag = createHash('sha256').update(identity).digest('base64url').slice(0, 27);
  }

  etag(encoding: Encoding): string {
    return encoding === 'identity' ? `"${this.tag}"` : `"${this.tag}-${encoding}"`;
  }

  body(encoding: Encoding): Promise<Buffer> {
    if (encoding === 'identity') return Promise.resolve(this.identity);
    let body = this.compressed.get(encoding);
    if (!body) {
      body = compress(this.identity, encoding);
      body.catch(() => this.compressed.delete(encoding));
      this.compressed.set(encoding, body);
    }
    return body;
  }
}

function compress(page: Buffer, encoding: Compressed): Promise<Buffer> {
  if (encoding === 'gzip') return gzipped(page);
  return brotli(page, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 5,
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_SIZE_HINT]: page.length,
    },
  });
}

/** One page per set of options, shared by every app of the process (tests build many). */
const pages = new Map<string, Promise<GraphiQLPage>>();

function pageFor(options: GraphiQLOptions): Promise<GraphiQLPage> {
  const key = JSON.stringify(options);
  let page = pages.get(key);
  if (!page) {
    page = import('@graphql-yoga/render-graphiql').then(
      (m) =>
        new GraphiQLPage(
          Buffer.from(
            // A function, so no `$` in the additions is read as a replacement pattern.
            m.renderGraphiQL(options).replace('</head>', () => `${GRAPHIQL_HEAD}</head>`),
          ),
        ),
    );
    page.catch(() => pages.delete(key));
    pages.set(key, page);
  }
  return page;
}

/** Whether If-None-Match names `etag` (weak comparison, RFC 9110 §13.1.2) or is `*`. */
function notModified(ifNoneMatch: string | null, etag: string): boolean {
  if (ifNoneMatch === null) return false;
  return ifNoneMatch
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === '*' || tag === etag);
}

/**
 * GraphiQL on a browser's GET of `endpoint` (Accept naming text/html, as Yoga's own check), in
 * the coding Accept-Encoding prefers, or a 304 when the browser's copy is current.
 */
export function useOfflineGraphiQL(options: GraphiQLOptions, endpoint = '/graphql'): YogaPlugin {
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method !== 'GET' || !request.headers.get('accept')?.includes('text/html')) return;
      if (url.pathname !== endpoint && url.pathname !== `${endpoint}/`) return;
      const encoding = negotiateEncoding(request.headers.get('accept-encoding'));
      return pageFor(options).then(async (page) => {
        const etag = page.etag(encoding);
        const headers: Record<string, string> = {
          etag,
          'cache-control': 'no-cache',
          vary: VARY.join(', '),
        };
        if (notModified(request.headers.get('if-none-match'), etag)) {
          endResponse(new fetchAPI.Response(null, { status: 304, headers }));
          return;
        }
        const body = await page.body(encoding);
        if (encoding !== 'identity') headers['content-encoding'] = encoding;
        headers['content-type'] = 'text/html; charset=utf-8';
        headers['content-length'] = String(body.length);
        endResponse(new fetchAPI.Response(bytes(body), { status: 200, headers }));
      });
    },
    onResponse({ request, response }) {
      // Yoga's CORS (run before this plugin) sets `Vary: Origin` over the page's own Vary on a
      // cross-origin request; the page's ETag tells it apart from a GraphQL answer to a GET.
      if (request.method !== 'GET' || !response.headers.has('etag')) return;
      response.headers.set('vary', withVary(response.headers.get('vary'), ...VARY));
    },
  };
}
