// The test files test/device/run.ts runs in one Node process, each imported when its turn comes:
// every file that exercises kernels and needs no child process, no module mocks and no fake GPU.
// The imports are literal so that esbuild bundles them (scripts/bundle-node.mjs: .gpu-kit/verify.mjs).
import { BROWSER_TEST_FILES } from '../browser/files.js';

export const DEVICE_TEST_LOADERS: Record<string, () => Promise<unknown>> = {
  'kernels/elementwise.test.ts': () => import('../kernels/elementwise.test.js'),
  'kernels/reduce.test.ts': () => import('../kernels/reduce.test.js'),
  'kernels/gemm-kernel.test.ts': () => import('../kernels/gemm-kernel.test.js'),
  'kernels/gemm-texture.test.ts': () => import('../kernels/gemm-texture.test.js'),
  'kernels/matmul.test.ts': () => import('../kernels/matmul.test.js'),
  'kernels/conv.test.ts': () => import('../kernels/conv.test.js'),
  'kernels/conv-implicit.test.ts': () => import('../kernels/conv-implicit.test.js'),
  'kernels/maxpool.test.ts': () => import('../kernels/maxpool.test.js'),
  'kernels/lrn.test.ts': () => import('../kernels/lrn.test.js'),
  'kernels/loss.test.ts': () => import('../kernels/loss.test.js'),
  'kernels/dropout.test.ts': () => import('../kernels/dropout.test.js'),
  'autograd/gradcheck.test.ts': () => import('../autograd/gradcheck.test.js'),
  'nn/layers.test.ts': () => import('../nn/layers.test.js'),
  'nn/batchnorm2d.test.ts': () => import('../nn/batchnorm2d.test.js'),
  'nn/functional-layers.test.ts': () => import('../nn/functional-layers.test.js'),
  'nn/optim.test.ts': () => import('../nn/optim.test.js'),
  'nn/adam.test.ts': () => import('../nn/adam.test.js'),
  'autograd/tensor.test.ts': () => import('../autograd/tensor.test.js'),
  'kernels/indexing.test.ts': () => import('../kernels/indexing.test.js'),
  'kernels/selection.test.ts': () => import('../kernels/selection.test.js'),
  'kernels/ranges.test.ts': () => import('../kernels/ranges.test.js'),
  'kernels/ops-fixtures.test.ts': () => import('../kernels/ops-fixtures.test.js'),
  'autograd/graph-saved.test.ts': () => import('../autograd/graph-saved.test.js'),
  'autograd/lifetime.test.ts': () => import('../autograd/lifetime.test.js'),
  'autograd/memory.test.ts': () => import('../autograd/memory.test.js'),
  'autograd/methods.test.ts': () => import('../autograd/methods.test.js'),
  'kernels/misuse-creation.test.ts': () => import('../kernels/misuse-creation.test.js'),
  'kernels/misuse-elementwise.test.ts': () => import('../kernels/misuse-elementwise.test.js'),
  'kernels/misuse-reduce.test.ts': () => import('../kernels/misuse-reduce.test.js'),
  'kernels/misuse-layout.test.ts': () => import('../kernels/misuse-layout.test.js'),
  'kernels/misuse-matmul.test.ts': () => import('../kernels/misuse-matmul.test.js'),
  'kernels/misuse-conv-pool.test.ts': () => import('../kernels/misuse-conv-pool.test.js'),
  'kernels/misuse-loss.test.ts': () => import('../kernels/misuse-loss.test.js'),
  'kernels/misuse-binding-limit.test.ts': () => import('../kernels/misuse-binding-limit.test.js'),
  'autograd/misuse.test.ts': () => import('../autograd/misuse.test.js'),
  'nn/misuse.test.ts': () => import('../nn/misuse.test.js'),
  'kernels/pytorch-edges.test.ts': () => import('../kernels/pytorch-edges.test.js'),
  'kernels/device-checks.test.ts': () => import('../kernels/device-checks.test.js'),
  'kernels/size-limits.test.ts': () => import('../kernels/size-limits.test.js'),
  'kernels/lifecycle.test.ts': () => import('../kernels/lifecycle.test.js'),
  'kernels/policy.test.ts': () => import('../kernels/policy.test.js'),
  'kernels/profiler.test.ts': () => import('../kernels/profiler.test.js'),
  'kernels/gemm-autotune.test.ts': () => import('../kernels/gemm-autotune.test.js'),
  'examples/image.test.ts': () => import('../examples/image.test.js'),
  'nn/training.test.ts': () => import('../nn/training.test.js'),
  'nn/training-parity.test.ts': () => import('../nn/training-parity.test.js'),
  'examples/alexnet-seed-parity.test.ts': () => import('../examples/alexnet-seed-parity.test.js'),
};

/**
 * A smoke set, seconds on a GPU: every GEMM configuration (gemm-kernel's GEMM_CONFIGS loop) and the
 * implicit convolution, the kernels only lavapipe had run, and a small op file.
 */
export const QUICK_TEST_FILES = ['kernels/gemm-kernel.test.ts', 'kernels/conv-implicit.test.ts', 'kernels/selection.test.ts'];

/**
 * Every file: the quick set first (what a budget cut short still covers), then the browser's
 * (the kernels' own tests), then the rest in the order above.
 */
export const DEVICE_TEST_FILES = [...new Set([...QUICK_TEST_FILES, ...BROWSER_TEST_FILES, ...Object.keys(DEVICE_TEST_LOADERS)])];
