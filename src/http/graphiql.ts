import type { GraphiQLOptions } from 'graphql-yoga';
import { GRAPHIQL_HEAD } from './graphiql-additions.ts';

const pages = new Map<string, Promise<string>>();

/**
 * GraphiQL with its scripts, styles and editor workers inlined (@graphql-yoga/render-graphiql),
 * where Yoga's default page fetches them from a public CDN: GraphiQL works offline, behind a
 * firewall and in CI. The bundle is 9 MB, so it is loaded on the first page view, and each page
 * is rendered once per set of options, with plugin-graph's additions (graphiql-additions.ts).
 */
export function renderOfflineGraphiQL(options: GraphiQLOptions): Promise<string> {
  const key = JSON.stringify(options);
  let page = pages.get(key);
  if (!page) {
    page = import('@graphql-yoga/render-graphiql').then((m) =>
      // A function, so no `$` in the additions is read as a replacement pattern.
      m.renderGraphiQL(options).replace('</head>', () => `${GRAPHIQL_HEAD}</head>`),
    );
    page.catch(() => pages.delete(key));
    pages.set(key, page);
  }
  return page;
}
