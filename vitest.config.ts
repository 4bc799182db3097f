import { defineConfig } from 'vitest/config';

// Two projects, run one after the other (sequence.groupOrder; 0 would mean "with the last group"
// for a project whose files run one at a time): `unit` (test/unit/: no device, no
// WebGPU adapter, seconds) first, so a broken build fails fast, then `device` (test/kernels,
// autograd, nn, examples: every file initialises a WebGPU device). lavapipe runs every kernel on
// the CPU's two cores: test files run one at a time so they do not fight over them, and timeouts
// allow for pipeline compiles that take seconds there.
// `npx vitest run --project unit` runs the first alone.
export default defineConfig({
  test: {
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'], sequence: { groupOrder: 1 } } },
      {
        extends: true,
        test: { name: 'device', include: ['test/{kernels,autograd,nn,examples}/**/*.test.ts'], sequence: { groupOrder: 2 } },
      },
    ],
  },
});
