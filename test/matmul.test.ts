import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { linear, matmul, tensor, withPolicy } from '../src/index.js';
import { gemmKernel, type GemmOptions } from '../src/kernels/gemm/gemm.js';
import { GEMM_CONFIGS, configRuns } from '../src/kernels/gemm/gemm-plan.js';
import { gemmLimits } from '../src/kernels/gemm/gemm.js';
import { runtime } from '../src/device/current.js';
import type { GemmVariant } from '../src/runtime/policy.js';
import { asF32, expectClose, itWithPolicy, randomValues, setupDevice } from './helpers.js';

beforeAll(setupDevice);

interface Case {
  M: number;
  N: number;
  K: number;
  transA?: boolean;
  transB?: boolean;
  /** Batch entries of a and b; 0 means a 2-D operand. */
  batchA?: number;
  batchB?: number;
  bias?: 'col' | 'row';
  relu?: boolean;
  /** A configuration of gemm_workgroup.wgsl to force. */
  config?: string;
  /** An element of A set to NaN (its row of the output is NaN, through the relu too, as PyTorch's). */
  nanAt?: number;
}

/** float64 reference of out[b] = op(A[b])·op(B[b]) (+ bias) (relu), operands as stored. */
function reference(c: Case, A: Float64Array, B: Float64Array, bias: Float64Array | null): Float64Array {
  const { M, N, K } = c;
  const batch = Math.max(c.batchA || 1, c.batchB || 1);
  const out = new Float64Array(batch * M * N);
  for (let bt = 0; bt < batch; bt++) {
    const oa = (c.batchA ?? 0) > 1 ? bt * M * K : 0;
    const ob = (c.batchB ?? 0) > 1 ? bt * K * N : 0;
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        let s = 0;
        for (let k = 0; k < K; k++) {
          s += A[oa + (c.transA ? k * M + m : m * K + k)] * B[ob + (c.transB ? n * K + k : k * N + n)];
        }
        if (bias) s += bias[c.bias === 'row' ? m : n];
        out[(bt * M + m) * N + n] = c.relu ? Math.max(s, 0) : s;
      }
    }
  }
  return out;
}

async function check(c: Case, seed = 1): Promise<void> {
  const { M, N, K } = c;
  const shapeA = c.transA ? [K, M] : [M, K];
  const shapeB = c.transB ? [N, K] : [K, N];
  const A = asF32(randomValues((c.batchA || 1) * M * K, seed));
  const B = asF32(randomValues((c.batchB || 1) * K * N, seed + 1));
  if (c.nanAt !== undefined) A[c.nanAt] = Number.NaN;
  const bias = c.bias ? asF32(randomValues(c.bias === 'row' ? M : N, seed + 2)) : null;
  const a = tensor(A, c.batchA ? [c.batchA, ...shapeA] : shapeA);
  const b = tensor(B, c.batchB ? [c.batchB, ...shapeB] : shapeB);
  const options: GemmOptions = { transA: c.transA, transB: c.transB, relu: c.relu, config: c.config };
  if (bias) {
    options.bias = tensor(bias);
    options.biasAxis = c.bias;
  }
  const out = gemmKernel(a, b, options);
  const batch = Math.max(c.batchA || 1, c.batchB || 1);
  expect(out.shape).toEqual(c.batchA || c.batchB ? [batch, M, N] : [M, N]);
  expectClose(await out.toArray(), reference(c, A, B, bias), 1e-4, 1e-5 * Math.sqrt(K + 1));
  for (const t of [a, b, out, options.bias]) t?.dispose();
}

const label = (c: Case): string => JSON.stringify(c).replace(/"/g, '');

// Every kernel runs on any adapter, and so does a GPU's split of k (which splits far more products).
// The texture kernel takes 2-D products; batches, splits of k and panels fall back to gemm.wgsl.
// 'workgroup' runs gemm_workgroup.wgsl in the configuration defaultConfig picks for each shape.
// The texture kernel also runs every product as its transpose (stored transposed). 'small' runs
// every product on gemm_small.wgsl (the others none: their own kernels take the small products).
const configs: { variant: GemmVariant; cpu: boolean; orientation?: 'normal' | 'transposed'; small?: boolean }[] = [
  { variant: 'registers', cpu: true },
  { variant: 'workgroup', cpu: true },
  { variant: 'texture', cpu: true, orientation: 'normal' },
  { variant: 'texture', cpu: true, orientation: 'transposed' },
  { variant: 'registers', cpu: false },
  { variant: 'registers', cpu: true, small: true },
];
for (const { variant, cpu, orientation, small } of configs) describe(`gemmKernel (${small ? 'small' : variant}${orientation ? ` ${orientation}` : ''}, ${cpu ? 'CPU' : 'GPU'} split-K)`, () => {
  // Small products too, which would otherwise not repay packing their operands into textures.
  const itp = itWithPolicy({
    gemm: variant, sizing: cpu ? 'cpu' : 'gpu', textureGemm: { costScale: 0, orientation: orientation ?? null }, smallGemmMacs: small ? Number.MAX_SAFE_INTEGER : 0,
  });
  const sizes: [number, number, number][] = [
    [1, 1, 1],
    [3, 5, 7],
    [127, 130, 67],
    [200, 131, 37],
    [9, 256, 130],
    [130, 3, 4],
  ];
  const forms = [
    { transA: false, transB: false },
    { transA: true, transB: false },
    { transA: false, transB: true },
    { transA: true, transB: true },
  ];
  for (const [M, N, K] of sizes) {
    for (const form of forms) {
      const c = { M, N, K, ...form };
      itp(`matches float64 for ${label(c)}`, () => check(c));
    }
  }

  const epilogues: Case[] = [
    { M: 33, N: 19, K: 21, bias: 'col' },
    { M: 33, N: 19, K: 21, bias: 'row', transA: true },
    { M: 33, N: 19, K: 21, bias: 'col', relu: true, transB: true },
    { M: 17, N: 65, K: 12, relu: true },
    { M: 17, N: 65, K: 12, relu: true, nanAt: 40 },
    { M: 5, N: 6, K: 0, bias: 'col' },
  ];
  for (const c of epilogues) itp(`applies the epilogue for ${label(c)}`, () => check(c));

  const batched: Case[] = [
    { M: 13, N: 11, K: 9, batchA: 3, batchB: 3 },
    { M: 13, N: 11, K: 9, batchA: 3, batchB: 0, transB: true },
    { M: 13, N: 11, K: 9, batchA: 0, batchB: 4, transA: true, bias: 'row', relu: true },
    { M: 13, N: 11, K: 9, batchA: 1, batchB: 2, transA: true, transB: true },
    { M: 96, N: 75, K: 27, batchA: 0, batchB: 2, bias: 'row' },
  ];
  for (const c of batched) itp(`broadcasts batches for ${label(c)}`, () => check(c));

  // Few outputs over a long k: the product runs as ranges of k side by side, then a sum.
  const splitK: Case[] = [
    { M: 3, N: 10, K: 1001, bias: 'col', relu: true },
    { M: 3, N: 10, K: 1001, bias: 'col', relu: true, nanAt: 1500 },
    { M: 3, N: 10, K: 1001, transA: true, bias: 'row' },
    { M: 9, N: 2, K: 766, transB: true },
    { M: 9, N: 2, K: 766, transA: true, transB: true },
  ];
  for (const c of splitK) itp(`splits a long k for ${label(c)}`, () => check(c));

  // A binding limit of 8 KiB splits every operand below into panels of rows, of batches and of k
  // (these accumulate), with the epilogue applied once, after the last k panel.
  const split: Case[] = [
    { M: 130, N: 127, K: 66, bias: 'col', relu: true },
    { M: 130, N: 127, K: 66, transA: true, bias: 'row' },
    { M: 130, N: 127, K: 66, transB: true, relu: true },
    { M: 130, N: 127, K: 66, transA: true, transB: true, bias: 'col' },
    { M: 37, N: 41, K: 70, batchA: 3, batchB: 0 },
    { M: 37, N: 41, K: 70, batchA: 0, batchB: 3, transA: true },
  ];
  itp('dispatches one product per panel under a lowered binding limit', async () => {
    const a = tensor(randomValues(130 * 68, 5), [130, 68]);
    const b = tensor(randomValues(68 * 128, 6), [68, 128]);
    // Autotuning off (a GPU's default is on): its candidates' runs would add dispatches.
    const count = (limit: number | null) =>
      withPolicy({ bindingLimit: limit, poison: false, autotune: false }, () => {
        const before = runtime().counters.dispatches;
        gemmKernel(a, b).dispose();
        return runtime().counters.dispatches - before;
      });
    // The texture kernel packs a first (b's rows are copied: 128 floats are 512 bytes); as the
    // transposed product, both.
    expect(await count(null)).toBe(variant !== 'texture' || small ? 1 : orientation === 'transposed' ? 3 : 2);
    expect(await count(8192)).toBeGreaterThan(4);
    a.dispose();
    b.dispose();
  });

  for (const c of split) {
    itp(`splits operands over the binding limit into panels for ${label(c)}`, () => {
      return withPolicy({ bindingLimit: 8192 }, () => check(c, 7));
    });
  }
});

// Every block shape of gemm_workgroup.wgsl, forced. lavapipe compiles each pipeline
// (transposes × FIT) for seconds, so each configuration runs two of the four transpose forms
// (alternating, so that every form runs on several configurations) and the FIT variant in one.
// The candidates that change more than the blocks (double buffering, swizzled order, named
// accumulators) are test/gemm-candidates.test.ts's, in Node only: this file runs in the browser too.
const BLOCKS = GEMM_CONFIGS.filter((c) => c.buffers === 1 && c.swizzle === 0 && !c.named);
describe('gemm_workgroup.wgsl in every configuration', () => {
  // The kernels one product dispatches (last file, FIT), not counting the poisoning of buffers.
  const dispatched = async (c: Case): Promise<string[]> => {
    const rt = runtime();
    const seen: string[] = [];
    const dispatch = rt.dispatch;
    rt.dispatch = (spec, args) => {
      if (spec.entry !== 'fill') seen.push(`${spec.files[spec.files.length - 1]}${spec.overrides?.FIT ? ' FIT' : ''}`);
      dispatch.call(rt, spec, args);
    };
    try {
      await check(c, 3);
    } finally {
      rt.dispatch = dispatch;
    }
    return seen;
  };
  const forms = [
    [{ transA: false, transB: false }, { transA: true, transB: true }],
    [{ transA: false, transB: true }, { transA: true, transB: false }],
  ];
  BLOCKS.forEach((cfg, i) => {
    const [f0, f1] = forms[i % 2];
    const runs = () => configRuns(cfg, gemmLimits());
    describe(cfg.name, () => {
      // A GPU's split of k, so that the skinny product below splits.
      const itGpu = itWithPolicy({ sizing: 'gpu' });
      beforeEach(({ skip }) => {
        if (!runs()) skip(`${cfg.name} needs more workgroup memory or invocations than this adapter has`);
      });
      for (const f of [f0, f1]) {
        const c: Case = { M: 67, N: 45, K: 131, ...f, config: cfg.name };
        itGpu(`matches float64 with bounds checks for ${label(c)}`, async () => {
          expect(await dispatched(c)).toContain('gemm_workgroup');
        });
      }
      const tall: Case = { M: 130, N: 129, K: 17, ...f0, bias: 'col', relu: true, config: cfg.name };
      itGpu(`matches float64 for ${label(tall)}`, () => check(tall, 5));
      const batched: Case = { M: 37, N: 21, K: 19, batchA: 2, batchB: 0, ...f0, bias: 'row', config: cfg.name };
      itGpu(`broadcasts batches for ${label(batched)}`, () => check(batched, 9));
      const exact: Case = { M: cfg.bm, N: 2 * cfg.bn, K: 3 * cfg.bk, ...f1, bias: 'col', config: cfg.name };
      itGpu(`drops the bounds checks where the shape divides the block for ${label(exact)}`, async () => {
        expect(await dispatched(exact)).toContain('gemm_workgroup FIT');
      });
      const skinny: Case = { M: 3, N: 10, K: 1001, ...f0, bias: 'col', relu: true, config: cfg.name };
      itGpu(`splits a long k for ${label(skinny)}`, async () => {
        const seen = await dispatched(skinny);
        expect(seen.filter((k) => k === 'gemm_workgroup')).toHaveLength(1);
        expect(seen[seen.length - 1]).toBe('gemm_sum');
      });
    });
  });

  it('names an unknown configuration', () => {
    const a = tensor(randomValues(4, 1), [2, 2]);
    expect(() => gemmKernel(a, a, { config: '7x7x7/7x7' })).toThrow(/unknown configuration '7x7x7\/7x7'/);
    a.dispose();
  });
});

describe('gemmKernel on textures', () => {
  // Small products too (not the small kernel's here).
  const itTex = itWithPolicy({ gemm: 'texture', sizing: 'cpu', textureGemm: { costScale: 0 }, smallGemmMacs: 0 });
  // The texture GEMM's own choice, by the measured costs.
  const itTexMeasured = itWithPolicy({ gemm: 'texture', sizing: 'cpu', smallGemmMacs: 0 });
  // The kernels (their last file) one product dispatches, not counting the poisoning of buffers.
  const kernels = (c: Case): string[] => {
    const a = tensor(randomValues(c.M * c.K, 1), c.transA ? [c.K, c.M] : [c.M, c.K]);
    const b = tensor(randomValues(c.K * c.N, 2), c.transB ? [c.N, c.K] : [c.K, c.N]);
    const rt = runtime();
    const seen: string[] = [];
    const dispatch = rt.dispatch;
    rt.dispatch = (spec, args) => {
      if (spec.entry !== 'fill') seen.push(`${spec.files[spec.files.length - 1]}${spec.overrides?.TRANSPOSE_OUT ? ' transposed' : ''}`);
      dispatch.call(rt, spec, args);
    };
    try {
      gemmKernel(a, b, { transA: c.transA, transB: c.transB }).dispose();
    } finally {
      rt.dispatch = dispatch;
      a.dispose();
      b.dispose();
    }
    return seen;
  };

  // Rows of 64·j floats are copied into their textures instead of packed by a kernel.
  const copied: Case[] = [
    { M: 130, N: 128, K: 192, bias: 'col', relu: true },
    { M: 128, N: 192, K: 64, transA: true },
    { M: 129, N: 128, K: 64, transB: true, bias: 'row' },
  ];
  for (const c of copied) {
    itTex(`copies operands whose rows are whole 256-byte multiples for ${label(c)}`, async () => {
      await check(c);
      expect(kernels(c)).toEqual([...(c.transA ? ['gemm_pack'] : []), ...(c.transB ? ['gemm_pack'] : []), 'gemm_texture']);
    });
  }

  // lavapipe's textures hold 16,384 rows: longer k runs as ranges whose products accumulate, the
  // epilogue after the last; rows are copied from an offset or packed from one.
  // (Outputs enough that k is not split across invocations instead.)
  const longK: Case[] = [
    { M: 128, N: 128, K: 20000, bias: 'col', relu: true },
    { M: 128, N: 130, K: 20000, transA: true, transB: true, bias: 'row' },
    { M: 130, N: 128, K: 16448, relu: true },
  ];
  for (const c of longK) {
    itTex(`splits k past the largest texture for ${label(c)}`, async () => {
      await check(c);
      const maxDim = runtime().gpu.limits.maxTextureDimension2D;
      const ranges = Math.ceil(c.K / (4 * Math.floor(maxDim / 4)));
      expect(kernels(c).filter((k) => k === 'gemm_texture')).toHaveLength(ranges);
    });
  }

  // A pooled texture holds the last product's operand: every texel must be written again.
  itTex('reuses its textures from product to product, readying each afresh', async () => {
    const textures = runtime().textures;
    // Packed with k = 60, then k = 57 in textures of the same size, where what the first left past
    // k must not count; then copied where the first was packed.
    await check({ M: 130, N: 70, K: 60, bias: 'col' }, 3);
    const created = textures.created;
    await check({ M: 130, N: 70, K: 57, transA: true, relu: true }, 5);
    await check({ M: 64, N: 64, K: 64 }, 7);
    await check({ M: 64, N: 64, K: 64, transB: true }, 9);
    expect(textures.created).toBe(created + 2);
    expect(textures.stats().liveTextures).toBe(0);
  });

  itTexMeasured('leaves products that reuse their operands too little to repay readying them to gemm.wgsl', () => {
    expect(kernels({ M: 29, N: 130, K: 64 })).toEqual(['gemm_pad', 'gemm']);
    // fc7's dx = g·W at a quarter of its size copies both operands and pays.
    expect(kernels({ M: 32, N: 1024, K: 1024 })).toEqual(['gemm_texture']);
    expect(kernels({ M: 64, N: 130, K: 64 })).toEqual(['gemm_pack', 'gemm_texture']);
  });

  itTexMeasured('runs a product as its transpose where that readies its operands for less', () => {
    // fc7's forward x·Wᵀ (a quarter of its size): W would be packed transposed; as (W·xᵀ)ᵀ, W is
    // copied and only x packed. Likewise a convolution's weight gradient g·colsᵀ.
    expect(kernels({ M: 32, N: 1024, K: 1024, transB: true })).toEqual(['gemm_pack', 'gemm_texture transposed']);
    expect(kernels({ M: 64, N: 400, K: 2048, transB: true })).toEqual(['gemm_pack', 'gemm_texture transposed']);
    expect(kernels({ M: 64, N: 384, K: 2048 })).toEqual(['gemm_texture']);
  });
});

/** float64 C = op(A)·op(B) for 2-D row-major operands. */
function mm(A: ArrayLike<number>, B: ArrayLike<number>, M: number, K: number, N: number, ta = false, tb = false): Float64Array {
  return reference({ M, N, K, transA: ta, transB: tb }, Float64Array.from(A), Float64Array.from(B), null);
}

describe('matmul', () => {
  it('multiplies 2-D operands and backpropagates dA = g·Bᵀ, dB = Aᵀ·g', async () => {
    const [M, K, N] = [7, 13, 10];
    const A = asF32(randomValues(M * K, 11));
    const B = asF32(randomValues(K * N, 12));
    const G = asF32(randomValues(M * N, 13));
    const a = tensor(A, [M, K], { requiresGrad: true });
    const b = tensor(B, [K, N], { requiresGrad: true });
    const y = matmul(a, b);
    expectClose(await y.toArray(), mm(A, B, M, K, N), 1e-5, 1e-5);
    y.backward(tensor(G, [M, N]));
    expectClose(await a.grad!.toArray(), mm(G, B, M, N, K, false, true), 1e-5, 1e-5);
    expectClose(await b.grad!.toArray(), mm(A, G, K, M, N, true, false), 1e-5, 1e-5);
  });

  // [batchA, batchB] with 0 for a 2-D operand: gradients of broadcast operands sum over the batch.
  const pairs: [number, number][] = [
    [3, 3],
    [3, 0],
    [0, 3],
    [1, 3],
    [3, 1],
  ];
  for (const [ba, bb] of pairs) {
    it(`backpropagates through a batched product (batch a ${ba}, b ${bb})`, async () => {
      const [M, K, N] = [5, 6, 9];
      const batch = Math.max(ba, bb);
      const A = asF32(randomValues((ba || 1) * M * K, 21));
      const B = asF32(randomValues((bb || 1) * K * N, 22));
      const G = asF32(randomValues(batch * M * N, 23));
      const a = tensor(A, ba ? [ba, M, K] : [M, K], { requiresGrad: true });
      const b = tensor(B, bb ? [bb, K, N] : [K, N], { requiresGrad: true });
      const y = matmul(a, b);
      expect(y.shape).toEqual([batch, M, N]);
      const dA = new Float64Array((ba || 1) * M * K);
      const dB = new Float64Array((bb || 1) * K * N);
      const Y = new Float64Array(batch * M * N);
      for (let t = 0; t < batch; t++) {
        const At = A.subarray((ba > 1 ? t : 0) * M * K, ((ba > 1 ? t : 0) + 1) * M * K);
        const Bt = B.subarray((bb > 1 ? t : 0) * K * N, ((bb > 1 ? t : 0) + 1) * K * N);
        const Gt = G.subarray(t * M * N, (t + 1) * M * N);
        Y.set(mm(At, Bt, M, K, N), t * M * N);
        const da = mm(Gt, Bt, M, N, K, false, true);
        const db = mm(At, Gt, K, M, N, true, false);
        da.forEach((v, i) => (dA[(ba > 1 ? t * M * K : 0) + i] += v));
        db.forEach((v, i) => (dB[(bb > 1 ? t * K * N : 0) + i] += v));
      }
      expectClose(await y.toArray(), Y, 1e-5, 1e-5);
      y.backward(tensor(G, [batch, M, N]));
      expect(a.grad!.shape).toEqual(a.shape);
      expect(b.grad!.shape).toEqual(b.shape);
      expectClose(await a.grad!.toArray(), dA, 1e-5, 1e-5);
      expectClose(await b.grad!.toArray(), dB, 1e-5, 1e-5);
    });
  }

  it('names both shapes when they do not fit', () => {
    const a = tensor(randomValues(6, 1), [2, 3]);
    const b = tensor(randomValues(20, 2), [4, 5]);
    expect(() => matmul(a, b)).toThrow(/\[2, 3\].*\[4, 5\]/);
    const c = tensor(randomValues(24, 3), [2, 3, 4]);
    const d = tensor(randomValues(60, 4), [3, 4, 5]);
    expect(() => matmul(c, d)).toThrow(/batch.*\[2, 3, 4\].*\[3, 4, 5\]/);
    const e = tensor(randomValues(3, 5), [3]);
    expect(() => matmul(e, b)).toThrow(/inner dimensions differ \(3 vs 4\).*\[3\].*\[4, 5\]/);
  });
});

describe('linear', () => {
  it('computes x·Wᵀ + b and backpropagates dx = g·W, dW = gᵀ·x, db = Σ g', async () => {
    const [B, IN, OUT] = [6, 11, 5];
    const X = asF32(randomValues(B * IN, 31));
    const W = asF32(randomValues(OUT * IN, 32));
    const BIAS = asF32(randomValues(OUT, 33));
    const G = asF32(randomValues(B * OUT, 34));
    const x = tensor(X, [B, IN], { requiresGrad: true });
    const w = tensor(W, [OUT, IN], { requiresGrad: true });
    const bias = tensor(BIAS, [OUT], { requiresGrad: true });
    const y = linear(x, w, bias);
    const Y = mm(X, W, B, IN, OUT, false, true).map((v, i) => v + BIAS[i % OUT]);
    expectClose(await y.toArray(), Y, 1e-5, 1e-5);
    y.backward(tensor(G, [B, OUT]));
    expectClose(await x.grad!.toArray(), mm(G, W, B, OUT, IN), 1e-5, 1e-5);
    expectClose(await w.grad!.toArray(), mm(G, X, OUT, B, IN, true, false), 1e-5, 1e-5);
    const db = new Float64Array(OUT);
    G.forEach((v, i) => (db[i % OUT] += v));
    expectClose(await bias.grad!.toArray(), db, 1e-5, 1e-5);
  });

  it('takes leading dimensions and no bias', async () => {
    const X = asF32(randomValues(2 * 3 * 4, 41));
    const W = asF32(randomValues(7 * 4, 42));
    const x = tensor(X, [2, 3, 4]);
    const w = tensor(W, [7, 4], { requiresGrad: true });
    const y = linear(x, w);
    expect(y.shape).toEqual([2, 3, 7]);
    expectClose(await y.toArray(), mm(X, W, 6, 4, 7, false, true), 1e-5, 1e-5);
    const G = asF32(randomValues(6 * 7, 43));
    y.backward(tensor(G, [2, 3, 7]));
    expect(x.grad).toBeNull();
    expectClose(await w.grad!.toArray(), mm(G, X, 7, 6, 4, true, false), 1e-5, 1e-5);
  });

  it('names the shapes of bad arguments', () => {
    const x = tensor(randomValues(6, 1), [2, 3]);
    const w = tensor(randomValues(20, 2), [5, 4]);
    expect(() => linear(x, w)).toThrow(/x \[2, 3\].*weight \[5, 4\]/);
    const w3 = tensor(randomValues(15, 3), [5, 3]);
    const b = tensor(randomValues(4, 4), [4]);
    expect(() => linear(x, w3, b)).toThrow(/bias \[4\].*\[5, 3\]/);
  });
});

