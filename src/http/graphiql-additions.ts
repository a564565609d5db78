/**
 * What plugin-graph adds to Yoga's GraphiQL page, in its <head> (before GraphiQL's own script).
 *
 * - The run button's menu is capped by GraphiQL at 400 px, which shows 10 of the example
 *   document's operations and scrolls the rest out of sight with no hint that they exist. It may
 *   use the height the window has (Radix's available-height variable) instead.
 * - TaskProgress and Task follow the last task a mutation returned in this browser tab when the
 *   Variables editor gives no `id`: mutation results are read on their way back (every payload
 *   and ConflictError carries `task { id }`) and the id kept in sessionStorage; a request for one
 *   of those two operations without `id` gets it added. An id typed into Variables always wins.
 *   GraphiQL calls `globalThis.fetch` at each request (graphql-yoga 5.24's bundle), so wrapping
 *   it here is enough; if a later GraphiQL stops doing so, the examples still run with a pasted
 *   id, and test/browser/graphiql.test.ts fails.
 */

const MENU_CSS = `.graphiql-dropdown-content {
  max-height: calc(var(--radix-dropdown-menu-content-available-height, 100vh) - 10px);
}`;

/** Operations that read `$id` of a task and may take the remembered one. */
export const FOLLOWS_LAST_TASK = ['Task', 'TaskProgress'] as const;

const LAST_TASK_SCRIPT = `(() => {
  const key = 'plugin-graph:lastTaskId';
  const follows = new Set(${JSON.stringify(FOLLOWS_LAST_TASK)});
  const send = globalThis.fetch.bind(globalThis);
  const parse = (text) => { try { return JSON.parse(text); } catch { return undefined; } };
  const isMutation = (body) =>
    typeof body.query === 'string' && typeof body.operationName === 'string' &&
    new RegExp('(^|[^\\\\w])mutation\\\\s+' + body.operationName + '\\\\b').test(body.query);
  const remember = (data) => {
    for (const value of Object.values(data ?? {})) {
      const id = value?.task?.id;
      if (typeof id === 'string') sessionStorage.setItem(key, id);
    }
  };
  globalThis.fetch = async (input, init) => {
    const body = typeof init?.body === 'string' ? parse(init.body) : undefined;
    if (body && follows.has(body.operationName) && !body.variables?.id) {
      const last = sessionStorage.getItem(key);
      if (last) {
        init = { ...init, body: JSON.stringify({ ...body, variables: { ...body.variables, id: last } }) };
      }
    }
    const response = await send(input, init);
    // Read before GraphiQL shows the result, so the id is kept by the time anyone runs the next.
    if (body && isMutation(body) && /json/.test(response.headers.get('content-type') ?? '')) {
      remember((await response.clone().json().catch(() => undefined))?.data);
    }
    return response;
  };
})();`;

/** Inserted before `</head>` of the rendered page. */
export const GRAPHIQL_HEAD = `<style>${MENU_CSS}</style><script>${LAST_TASK_SCRIPT}</script>`;
