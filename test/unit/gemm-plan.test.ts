import { describe, expect, it } from 'vitest';
import {
  GEMM_CONFIGS, SMALL_KERNEL, SMALL_MAX_OUTPUTS, bindBytes, configRuns, defaultConfig, fitsExactly, planGemm, shapeClass, workgroupBytes,
  type GemmLimits, type GemmProblem, type Range,
} from '../../src/kernels/gemm/gemm-plan.js';
import { bestOf } from '../../src/kernels/gemm/gemm-autotune.js';
import { WebgradError } from '../../src/errors.js';

// The planner is pure: these tests need no device.

/** An NVIDIA H200 as Dawn reports it (2 GiB − 4 per binding, 48 KiB of workgroup memory). */
const gpu: GemmLimits = {
  variant: 'workgroup',
  cpuAdapter: false,
  bindingLimit: 2 ** 31 - 4,
  maxComputeWorkgroupStorageSize: 49152,
  maxComputeInvocationsPerWorkgroup: 1024,
  smallMacs: 0,
};
/** WebGPU's default limits: 128 MiB bindings, 16 KiB of workgroup memory, 256 invocations. */
const small: GemmLimits = { ...gpu, bindingLimit: 2 ** 27, maxComputeWorkgroupStorageSize: 16384, maxComputeInvocationsPerWorkgroup: 256 };
const lavapipe: GemmLimits = { ...gpu, variant: 'texture', cpuAdapter: true };

const problem = (M: number, N: number, K: number, transA = false, transB = false, batchA = 1, batchB = 1): GemmProblem => ({ M, N, K, transA, transB, batchA, batchB });
const volume = (r: Range): number => (r.b[1] - r.b[0]) * (r.m[1] - r.m[0]) * (r.n[1] - r.n[0]) * (r.k[1] - r.k[0]);

describe('planGemm', () => {
  it('runs a large square product in 128×128 blocks, unsplit, in one panel that needs no bounds checks', () => {
    const plan = planGemm(problem(4096, 4096, 4096), gpu);
    expect(plan.kernel).toBe('workgroup');
    expect(plan.config?.name).toBe('128x128x8/8x8');
    expect(plan.splits).toBe(1);
    expect(plan.panels).toEqual([{ b: [0, 1], m: [0, 4096], n: [0, 4096], k: [0, 4096] }]);
    expect(fitsExactly(plan.config!, 4096, 4096, 4096, 0)).toBe(true);
    expect(plan.tuned).toBe(false);
  });

  it('gives skinny FC products (batch 32) 32-row blocks and splits their k into whole slices', () => {
    for (const p of [problem(32, 4096, 9216, false, true), problem(32, 4096, 4096), problem(32, 10, 4096, false, true)]) {
      const plan = planGemm(p, gpu);
      expect(plan.config?.bm).toBe(32);
      expect(plan.splits).toBeGreaterThan(1);
      expect(plan.kSplit % plan.config!.bk).toBe(0);
      // The splits cover k exactly: every split but the last is kSplit long, and the last is not empty.
      expect((plan.splits - 1) * plan.kSplit).toBeLessThan(p.K);
      expect(plan.splits * plan.kSplit).toBeGreaterThanOrEqual(p.K);
    }
    // fc7's weight gradient has 4096×4096 outputs: enough blocks, no split.
    expect(planGemm(problem(4096, 4096, 32, true, false), gpu).splits).toBe(1);
  });

  it("splits fc6's 151 MB weight into panels that each fit a 128 MiB binding, in increasing k", () => {
    // dx = g·W with W [4096, 9216]: split-K would bind all of W, so panels instead.
    const p = problem(32, 9216, 4096);
    const plan = planGemm(p, small);
    expect(plan.splits).toBe(1);
    expect(plan.panels.length).toBeGreaterThan(1);
    for (const r of plan.panels) {
      for (const op of [plan.a, plan.b, plan.out]) expect(bindBytes(op, r)).toBeLessThanOrEqual(small.bindingLimit);
    }
    expect(plan.panels.reduce((s, r) => s + volume(r), 0)).toBe(p.M * p.N * p.K);
    const ks = plan.panels.map((r) => r.k[0]);
    expect([...ks].sort((x, y) => x - y)).toEqual(ks);
    // With 2 GiB bindings it fits whole, and splits k.
    const roomy = planGemm(p, gpu);
    expect(roomy.panels).toHaveLength(1);
    expect(roomy.splits).toBeGreaterThan(1);
  });

  it('keeps batched products whole over k and broadcasts a 2-D operand (stride 0)', () => {
    const plan = planGemm(problem(13, 11, 900, false, false, 3, 1), gpu);
    expect(plan.splits).toBe(1);
    expect(plan.a.stride).toBe(13 * 900);
    expect(plan.b.stride).toBe(0);
    expect(plan.out.stride).toBe(13 * 11);
    expect(plan.panels).toEqual([{ b: [0, 3], m: [0, 13], n: [0, 11], k: [0, 900] }]);
  });

  it('pads stored rows to whole vec4s: transposed operands along m or n', () => {
    const plan = planGemm(problem(5, 7, 9, true, true), gpu);
    expect(plan.a).toMatchObject({ ld: 8, outer: 'k', inner: 'm' });
    expect(plan.b).toMatchObject({ ld: 12, outer: 'n', inner: 'k' });
  });

  it('uses the tuning table for the problem\'s shape class, and the default where it has none or one that cannot run', () => {
    const p = problem(1000, 1000, 1000);
    const cls = shapeClass(p);
    const tuned = planGemm(p, gpu, { [cls]: '64x64x16/8x8' });
    expect(tuned.config?.name).toBe('64x64x16/8x8');
    expect(tuned.tuned).toBe(true);
    expect(planGemm(p, gpu, { other: '64x64x16/8x8' }).config?.name).toBe(defaultConfig(p, gpu).name);
    const tooBig = planGemm(p, small, { [cls]: '128x128x16/8x8' });
    expect(tooBig.tuned).toBe(false);
    expect(tooBig.config?.name).toBe(defaultConfig(p, small).name);
  });

  it('keeps gemm.wgsl for a class where tuning found it fastest, and runs it when forced', () => {
    const p = problem(1000, 1000, 1000);
    expect(planGemm(p, gpu, { [shapeClass(p)]: 'registers' })).toMatchObject({ kernel: 'registers', config: null, tuned: true, texture: false });
    expect(planGemm(p, gpu, {}, 'registers')).toMatchObject({ kernel: 'registers', config: null, texture: false });
    expect(planGemm(problem(256, 256, 256), lavapipe, {}, 'registers').texture).toBe(false);
  });

  it('forces a configuration whatever the variant, and names a bad one', () => {
    expect(planGemm(problem(8, 8, 8), lavapipe, {}, '64x128x8/8x8')).toMatchObject({ kernel: 'workgroup', texture: false, config: { bm: 64, bn: 128 } });
    expect(() => planGemm(problem(8, 8, 8), gpu, {}, '1x1x1/1x1')).toThrow(WebgradError);
    expect(() => planGemm(problem(8, 8, 8), small, {}, '128x128x16/8x8')).toThrow(/exceeds this adapter's workgroup limits/);
  });

  it('keeps lavapipe on the texture GEMM for 2-D products and on gemm.wgsl for the rest', () => {
    expect(planGemm(problem(256, 256, 256), lavapipe)).toMatchObject({ kernel: 'registers', texture: true, config: null });
    expect(planGemm(problem(64, 64, 64, false, false, 2, 2), lavapipe)).toMatchObject({ kernel: 'registers', texture: false });
    // A CPU adapter splits k for far fewer outputs than a GPU.
    const skinny = planGemm(problem(3, 10, 1001), lavapipe);
    expect(skinny).toMatchObject({ kernel: 'registers', texture: false });
    expect(skinny.splits).toBeGreaterThan(1);
    expect(planGemm(problem(256, 256, 1001), lavapipe).splits).toBe(1);
    expect(planGemm(problem(256, 256, 1001), { ...gpu, variant: 'registers' }).splits).toBeGreaterThan(1);
  });
});

describe('planGemm for small products', () => {
  const cpu: GemmLimits = { ...lavapipe, smallMacs: 2 ** 20 };
  it('runs products of at most smallMacs multiply-adds (batch included) on gemm_small.wgsl: unpadded, unsplit, untuned', () => {
    // The README's first model (256 points, 2 → 32 → 4) and its backward: every product small.
    for (const p of [problem(256, 32, 2, false, true), problem(32, 2, 256, true, false), problem(256, 32, 4), problem(4, 32, 256, true)]) {
      const plan = planGemm(p, cpu, { [shapeClass(p)]: '128x128x8/8x8' });
      expect(plan).toMatchObject({ kernel: 'small', texture: false, config: null, splits: 1, tuned: false });
      expect([plan.a.vec4, plan.b.vec4]).toEqual([false, false]);
      expect(plan.a.ld).toBe(p.transA ? p.M : p.K);
      expect(plan.b.ld).toBe(p.transB ? p.K : p.N);
    }
    expect(planGemm(problem(32, 64, 512), cpu).kernel).toBe('small');
    expect(planGemm(problem(32, 64, 513), cpu).kernel).toBe('registers');
    expect(planGemm(problem(32, 64, 256, false, false, 2, 2), cpu).kernel).toBe('small');
    expect(planGemm(problem(32, 64, 256, false, false, 3, 1), cpu).kernel).toBe('registers');
    // A policy of 0 keeps every product on its blocked kernel.
    expect(planGemm(problem(3, 5, 7), lavapipe).kernel).toBe('registers');
  });

  it('is forced by name, still split into panels that fit the binding limit, and refuses more outputs than one grid row holds', () => {
    const p = problem(130, 127, 66, true);
    const plan = planGemm(p, { ...lavapipe, bindingLimit: 8192 }, {}, SMALL_KERNEL);
    expect(plan.kernel).toBe('small');
    expect(plan.panels.length).toBeGreaterThan(1);
    for (const r of plan.panels) for (const op of [plan.a, plan.b, plan.out]) expect(bindBytes(op, r)).toBeLessThanOrEqual(8192);
    expect(plan.panels.reduce((s, r) => s + volume(r), 0)).toBe(p.M * p.N * p.K);
    expect(() => planGemm(problem(SMALL_MAX_OUTPUTS + 1, 1, 1), lavapipe, {}, SMALL_KERNEL)).toThrow(WebgradError);
    expect(planGemm(problem(SMALL_MAX_OUTPUTS + 1, 1, 1), { ...cpu, smallMacs: 2 ** 40 }).kernel).toBe('registers');
  });
});

describe('GEMM configurations', () => {
  it('are all distinct, hold whole vec4 loads, and run within an H200\'s limits', () => {
    expect(new Set(GEMM_CONFIGS.map((c) => c.name)).size).toBe(GEMM_CONFIGS.length);
    for (const c of GEMM_CONFIGS) expect(configRuns(c, gpu)).toBe(true);
  });

  it('leave out those whose staged slices exceed the workgroup memory (16 KiB by default)', () => {
    const big = GEMM_CONFIGS.find((c) => c.name === '128x128x16/8x8')!;
    expect(workgroupBytes(big)).toBe(16 * 16 * (33 + 33));
    expect(configRuns(big, small)).toBe(false);
    // 128×128×16 and the double-buffered ones (twice 16.5 or 8.5 KiB).
    expect(GEMM_CONFIGS.filter((c) => !configRuns(c, small)).map((c) => c.name)).toEqual(['128x128x16/8x8', ...GEMM_CONFIGS.filter((c) => c.buffers === 2).map((c) => c.name)]);
    expect(configRuns(big, { ...gpu, maxComputeInvocationsPerWorkgroup: 128 })).toBe(false);
  });

  it('fit exactly only where M, N, K and the split divide the block', () => {
    const c = GEMM_CONFIGS[0];
    expect(fitsExactly(c, 128, 256, 16, 0)).toBe(true);
    expect(fitsExactly(c, 128, 256, 12, 0)).toBe(false);
    expect(fitsExactly(c, 127, 256, 16, 0)).toBe(false);
    expect(fitsExactly(c, 128, 256, 0, 0)).toBe(false);
    expect(fitsExactly(c, 128, 128, 1024, 132)).toBe(false);
  });

  it('share a configuration within a shape class: transposes, batching and sizes rounded up to powers of 2', () => {
    expect(shapeClass(problem(1000, 1000, 1000))).toBe(shapeClass(problem(1024, 513, 600)));
    expect(shapeClass(problem(1000, 1000, 1000))).not.toBe(shapeClass(problem(1000, 1000, 1000, true)));
    expect(shapeClass(problem(32, 64, 64, false, false, 2))).not.toBe(shapeClass(problem(32, 64, 64)));
    expect(shapeClass(problem(32, 64, 64))).not.toBe(shapeClass(problem(32, 64, 65)));
  });

  it('default to the largest block that still gives a GPU a few waves of workgroups', () => {
    expect(defaultConfig(problem(4096, 4096, 4096), gpu).name).toBe('128x128x8/8x8');
    expect(defaultConfig(problem(2048, 2048, 512), gpu).name).toBe('128x64x8/8x8');
    expect(defaultConfig(problem(2048, 1024, 512), gpu).name).toBe('64x64x16/4x4');
    expect(defaultConfig(problem(32, 4096, 4096), gpu).name).toBe('32x64x16/4x4');
    // Too few outputs for any to fill the device: the smallest block, the most workgroups.
    expect(defaultConfig(problem(256, 256, 256), gpu).name).toBe('32x64x16/4x4');
  });
});

describe('bestOf', () => {
  it('picks the fastest valid timing, the first of equals', () => {
    expect(bestOf(['a', 'b', 'c'], [3, 1, 2])).toBe('b');
    expect(bestOf(['a', 'b', 'c'], [Number.NaN, 2, 2])).toBe('b');
    expect(bestOf(['a', 'b'], [-1, 5])).toBe('b');
    expect(() => bestOf(['a'], [Number.NaN])).toThrow(/no candidate/);
    expect(() => bestOf(['a', 'b'], [1])).toThrow(/1 timings for 2 candidates/);
  });
});
