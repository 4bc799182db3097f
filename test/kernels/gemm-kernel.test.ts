import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tensor, withPolicy } from '../../src/index.js';
import { GEMM_CONFIGS, configRuns } from '../../src/kernels/gemm/gemm-plan.js';
import { gemmKernel, gemmLimits } from '../../src/kernels/gemm/gemm.js';
import { runtime } from '../../src/device/current.js';
import type { GemmVariant } from '../../src/runtime/policy.js';
import { itWithPolicy, randomValues, setupDevice } from '../helpers.js';
import { check, label, type Case } from './gemm-check.js';

beforeAll(setupDevice);

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
// accumulators) are test/kernels/gemm-candidates.test.ts's, in Node only: this file runs in the browser too.
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
