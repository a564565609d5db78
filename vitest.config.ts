import { defineConfig } from 'vitest/config';

export default defineConfig({
  // One graphql instance: @apollo/subgraph requires graphql's CJS build, so ESM imports of
  // graphql are pointed at it too ("Cannot use GraphQLObjectType from another realm" otherwise).
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
  test: {
    include: ['test/**/*.test.ts'],
    // Every file: no connection off loopback (test/setup/loopback-only.ts).
    setupFiles: ['test/setup/loopback-only.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Each file starts its own loopback simulators; two cores keep parallelism modest.
    pool: 'forks',
    maxWorkers: 2,
  },
});
