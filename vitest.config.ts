import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Each file starts its own loopback simulators; two cores keep parallelism modest.
    pool: 'forks',
    maxWorkers: 2,
  },
});
