// The test files test/device/run.ts runs in one Node process, each imported when its turn comes:
// every file that exercises kernels and needs no child process, no module mocks and no fake GPU.
// The imports are literal so that esbuild bundles them (scripts/bundle-node.mjs: .gpu-kit/verify.mjs).
import { BROWSER_TEST_FILES } from '../browser/files.js';

export const DEVICE_TEST_LOADERS: Record<string, () => Promise<unknown>> = {
  'elementwise.test.ts': () => import('../elementwise.test.js'),
  'reduce.test.ts': () => import('../reduce.test.js'),
  'matmul.test.ts': () => import('../matmul.test.js'),
  'conv.test.ts': () => import('../conv.test.js'),
  'conv-implicit.test.ts': () => import('../conv-implicit.test.js'),
  'maxpool.test.ts': () => import('../maxpool.test.js'),
  'lrn.test.ts': () => import('../lrn.test.js'),
  'loss.test.ts': () => import('../loss.test.js'),
  'dropout.test.ts': () => import('../dropout.test.js'),
  'gradcheck.test.ts': () => import('../gradcheck.test.js'),
  'layers.test.ts': () => import('../layers.test.js'),
  'layers-more.test.ts': () => import('../layers-more.test.js'),
  'optim.test.ts': () => import('../optim.test.js'),
  'adam.test.ts': () => import('../adam.test.js'),
  'tensor.test.ts': () => import('../tensor.test.js'),
  'indexing.test.ts': () => import('../indexing.test.js'),
  'selection.test.ts': () => import('../selection.test.js'),
  'ranges.test.ts': () => import('../ranges.test.js'),
  'ops-fixtures.test.ts': () => import('../ops-fixtures.test.js'),
  'ops-checks.test.ts': () => import('../ops-checks.test.js'),
  'graph-saved.test.ts': () => import('../graph-saved.test.js'),
  'lifetime.test.ts': () => import('../lifetime.test.js'),
  'memory.test.ts': () => import('../memory.test.js'),
  'methods.test.ts': () => import('../methods.test.js'),
  'misuse.test.ts': () => import('../misuse.test.js'),
  'edges.test.ts': () => import('../edges.test.js'),
  'policy.test.ts': () => import('../policy.test.js'),
  'profiler.test.ts': () => import('../profiler.test.js'),
  'gemm-autotune.test.ts': () => import('../gemm-autotune.test.js'),
  'image.test.ts': () => import('../image.test.js'),
  'training.test.ts': () => import('../training.test.js'),
  'training-parity.test.ts': () => import('../training-parity.test.js'),
  'alexnet-seed-parity.test.ts': () => import('../alexnet-seed-parity.test.js'),
};

/**
 * A smoke set, seconds on a GPU: every GEMM configuration (matmul's GEMM_CONFIGS loop) and the
 * implicit convolution, the kernels only lavapipe had run, and a small op file.
 */
export const QUICK_TEST_FILES = ['matmul.test.ts', 'conv-implicit.test.ts', 'selection.test.ts'];

/**
 * Every file: the quick set first (what a budget cut short still covers), then the browser's
 * (the kernels' own tests), then the rest in the order above.
 */
export const DEVICE_TEST_FILES = [...new Set([...QUICK_TEST_FILES, ...BROWSER_TEST_FILES, ...Object.keys(DEVICE_TEST_LOADERS)])];
