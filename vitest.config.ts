import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'bench/**/*.test.ts', 'scripts/**/*.test.ts'],
    environment: 'node',
    // tfjs backends are process-global; separate forks keep one test file's backend choice
    // from leaking into another's.
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
