import { defineConfig } from 'vitest/config';

// lavapipe runs every kernel on the CPU's two cores: test files run one at a time so they do
// not fight over them, and timeouts allow for pipeline compiles that take seconds there.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
