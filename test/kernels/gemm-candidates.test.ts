import { beforeAll, beforeEach, describe, expect } from 'vitest';
import { tensor } from '../../src/index.js';
import { runtime } from '../../src/device/current.js';
import { gemmKernel, gemmLimits } from '../../src/kernels/gemm/gemm.js';
import { GEMM_CONFIGS, configRuns, type GemmConfig } from '../../src/kernels/gemm/gemm-plan.js';
import { asF32, expectClose, itWithPolicy, randomValues, setupDevice } from '../helpers.js';

// The workgroup GEMM's candidates that change more than its blocks (double-buffered slices, a
// swizzled workgroup order, named accumulators), which only the autotuner picks, forced here on
// lavapipe against float64 with poisoned outputs. Node only (gemm-kernel.test.ts, which the browser
// runs too, keeps to the block shapes). Each is two pipelines: one form with bounds checks, another
// without (FIT).
beforeAll(setupDevice);

interface Product {
  M: number;
  N: number;
  K: number;
  transA: boolean;
  transB: boolean;
  /** Batch entries of A (B broadcasts); 0: 2-D. */
  batch?: number;
  bias?: 'col' | 'row';
  relu?: boolean;
}

/**
 * Runs the product in configuration `cfg`, checks it against float64 and returns its dispatches'
 * kernel files and overrides (padding of operand rows and split-k sums included).
 */
async function check(p: Product, cfg: GemmConfig, seed: number): Promise<Record<string, unknown>[]> {
  const { M, N, K, transA, transB } = p;
  const batch = p.batch ?? 1;
  const A = asF32(randomValues(batch * M * K, seed));
  const B = asF32(randomValues(K * N, seed + 1));
  const bias = p.bias ? asF32(randomValues(p.bias === 'row' ? M : N, seed + 2)) : null;
  const shapeA = transA ? [K, M] : [M, K];
  const a = tensor(A, p.batch ? [batch, ...shapeA] : shapeA);
  const b = tensor(B, transB ? [N, K] : [K, N]);
  const biasT = bias ? tensor(bias) : undefined;
  const rt = runtime();
  const seen: Record<string, unknown>[] = [];
  const dispatch = rt.dispatch;
  rt.dispatch = (spec, args) => {
    if (spec.entry !== 'fill') seen.push({ kernel: spec.files[spec.files.length - 1], ...spec.overrides });
    dispatch.call(rt, spec, args);
  };
  let out;
  try {
    out = gemmKernel(a, b, { transA, transB, bias: biasT, biasAxis: p.bias, relu: p.relu, config: cfg.name });
  } finally {
    rt.dispatch = dispatch;
  }
  const ref = new Float64Array(batch * M * N);
  for (let t = 0; t < batch; t++)
    for (let m = 0; m < M; m++)
      for (let n = 0; n < N; n++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += A[t * M * K + (transA ? k * M + m : m * K + k)] * B[transB ? n * K + k : k * N + n];
        if (bias) s += bias[p.bias === 'row' ? m : n];
        ref[(t * M + m) * N + n] = p.relu ? Math.max(s, 0) : s;
      }
  expectClose(await out.toArray(), ref, 1e-4, 1e-5 * Math.sqrt(K + 1));
  for (const x of [a, b, out, biasT]) x?.dispose();
  return seen;
}

const EXTRAS = GEMM_CONFIGS.filter((c) => c.buffers === 2 || c.swizzle > 0 || c.named);
const forms = [
  [{ transA: false, transB: false }, { transA: true, transB: true }],
  [{ transA: false, transB: true }, { transA: true, transB: false }],
];

describe('gemm_workgroup.wgsl candidates beyond the block shapes', () => {
  // A GPU's split of k, so that the skinny product splits.
  const itGpu = itWithPolicy({ sizing: 'gpu' });
  EXTRAS.forEach((cfg, i) => {
    const [f0, f1] = forms[i % 2];
    const overrides = { kernel: 'gemm_workgroup', BM: cfg.bm, BN: cfg.bn, BUFFERS: cfg.buffers, SWIZZLE: cfg.swizzle, NAMED: cfg.named ? 1 : 0 };
    describe(cfg.name, () => {
      beforeEach(({ skip }) => {
        if (!configRuns(cfg, gemmLimits())) skip(`${cfg.name} needs more workgroup memory than this adapter has`);
      });
      itGpu('matches float64 with bounds checks (67×45×131, bias and ReLU)', async () => {
        const seen = await check({ M: 67, N: 45, K: 131, ...f0, bias: 'col', relu: true }, cfg, 1);
        expect(seen.filter((s) => s.kernel === 'gemm_workgroup')).toEqual([expect.objectContaining({ ...overrides, FIT: 0 })]);
      });
      itGpu('matches float64 without bounds checks where the shape divides the block', async () => {
        const exact = { M: cfg.bm, N: 2 * cfg.bn, K: 3 * cfg.bk, ...f1, bias: 'row' as const };
        expect((await check(exact, cfg, 3)).filter((s) => s.kernel === 'gemm_workgroup')).toEqual([expect.objectContaining({ ...overrides, FIT: 1 })]);
      });
      itGpu('broadcasts B over a batch of A', () => check({ M: 37, N: 21, K: 19, ...f0, batch: 2 }, cfg, 5));
      itGpu('splits a long k (3×10×1001)', async () => {
        const seen = await check({ M: 3, N: 10, K: 1001, ...f0, bias: 'col', relu: true }, cfg, 7);
        expect(seen.filter((s) => s.kernel === 'gemm_workgroup')).toHaveLength(1);
        expect(seen[seen.length - 1].kernel).toBe('gemm_sum');
      });
      // More block rows than one band of the swizzled order holds, the last band partial.
      itGpu('covers every block of a product wider and taller than one band', () =>
        check({ M: cfg.bm * ((cfg.swizzle || 8) + 2) - 3, N: 3 * cfg.bn - 5, K: 9, ...f0 }, cfg, 9));
    });
  });
});
