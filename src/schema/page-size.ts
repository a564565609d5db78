/**
 * Page sizes of every Relay connection. The resolvers page with these and the `first`/`last`
 * argument descriptions (builder.ts) state them, so the docs cannot drift from what is served.
 */
export const PAGE_SIZE = { default: 20, max: 100 } as const;
