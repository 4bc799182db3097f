import { describe, expect, it } from 'vitest';
import { alignedRanges, BindingLimitError, blockRunsIn, slabRuns, type BindingLimits } from '../../src/kernels/ranges.js';
import { planMaxPool } from '../../src/kernels/maxpool.js';
import { planAvgPool } from '../../src/kernels/avgpool.js';
import { planLrn } from '../../src/kernels/lrn.js';
import { planSoftmax } from '../../src/kernels/softmax.js';
import { planBatchNorm } from '../../src/kernels/batchnorm.js';
import { planArgmax, planReduce } from '../../src/kernels/reduce.js';
import { planStrided } from '../../src/kernels/strided.js';
import { planBroadcast } from '../../src/kernels/elementwise.js';
import { planIndexSelect } from '../../src/kernels/index-select.js';
import { planConv2d, samplesPerChunk } from '../../src/kernels/conv.js';
import type { ConvGeometry, WindowGeometry } from '../../src/kernels/window-geometry.js';
import { copyable, copyableRowLength, packings, planTextureGemm, transposedShape } from '../../src/kernels/gemm/gemm-texture-plan.js';

// The planners are pure: shapes, binding limits and policy in, the runs of dispatches (or a
// BindingLimitError naming the tensor and the limit) out. No device: the limits are given.
// 4096 bytes hold 1024 floats; the offset alignment is 256 bytes (64 elements), as on most GPUs.
const LIMITS: BindingLimits = { maxBinding: 4096, lowered: true, align: 64 };
const LARGE: BindingLimits = { maxBinding: 2 ** 27, lowered: false, align: 64 };
const LIMIT_TEXT = /the policy's bindingLimit of 4096 bytes \(0\.0 MiB\)/;

/** Each run starts where the previous ended and they cover [0, count). */
function expectCover(runs: readonly [number, number][], count: number): void {
  let next = 0;
  for (const [first, k] of runs) {
    expect(first).toBe(next);
    expect(k).toBeGreaterThan(0);
    next += k;
  }
  expect(next).toBe(count);
}

const windowOf = (n: number, c: number, h: number, w: number, k: number, s: number): WindowGeometry => ({
  n, c, h, w, kh: k, kw: k, sh: s, sw: s, ph: 0, pw: 0, oh: Math.floor((h - k) / s) + 1, ow: Math.floor((w - k) / s) + 1,
});

describe('the splitter (ranges.ts)', () => {
  it('aligned ranges cover n elements, each within one binding and starting aligned', () => {
    expect(alignedRanges(LIMITS, 1000)).toEqual([[0, 1000]]);
    const runs = alignedRanges(LIMITS, 2500);
    expectCover(runs, 2500);
    for (const [start, count] of runs) {
      expect(start % 64).toBe(0);
      expect(count * 4).toBeLessThanOrEqual(4096);
    }
  });

  it('block runs start aligned in every buffer and fit one binding; null when one block cannot', () => {
    const runs = blockRunsIn(LIMITS, 20, [64, 16])!;
    expect(runs).toEqual([[0, 12], [12, 8]]);
    for (const [first, k] of runs) {
      expect((first * 16) % 64).toBe(0);
      expect(k * 64 * 4).toBeLessThanOrEqual(4096);
    }
    expect(blockRunsIn(LIMITS, 16, [64, 16])).toEqual([[0, 16]]);
    expect(blockRunsIn(LIMITS, 2, [1600])).toBeNull();
  });

  it('slab runs bind from any start; every slab at once when the whole fits', () => {
    expect(slabRuns(LIMITS, 10, 30)).toEqual([[0, 10]]);
    expect(slabRuns(LIMITS, 100, 30)).toEqual([[0, 32], [32, 32], [64, 32], [96, 4]]);
    expect(slabRuns(LIMITS, 3, 1000)).toBeNull();
    expect(slabRuns(LIMITS, 0, 1000)).toEqual([]);
  });
});

describe('block planners (pooling, LRN, batch norm, softmax)', () => {
  it('maxPool2d: one whole run when it fits, aligned runs of planes when not, a refusal naming x and the limit', () => {
    expect(planMaxPool(windowOf(4, 4, 8, 8, 2, 2), LIMITS)).toEqual({ runs: [[0, 16]], whole: true });
    const split = planMaxPool(windowOf(5, 4, 8, 8, 2, 2), LIMITS);
    expect(split).toEqual({ runs: [[0, 12], [12, 8]], whole: false });
    expect(() => planMaxPool(windowOf(1, 1, 40, 40, 2, 2), LIMITS)).toThrow(BindingLimitError);
    expect(() => planMaxPool(windowOf(1, 1, 40, 40, 2, 2), LIMITS)).toThrow(/maxPool2d: x \[1, 1, 40, 40\] is larger than one storage binding/);
    expect(() => planMaxPool(windowOf(1, 1, 40, 40, 2, 2), LIMITS)).toThrow(LIMIT_TEXT);
  });

  it('avgPool2d and localResponseNorm plan the same way, named by their op', () => {
    const g = { ...windowOf(5, 4, 8, 8, 2, 2), adaptive: false, countIncludePad: true };
    expect(planAvgPool('avgPool2d: x', g, LIMITS).runs).toEqual([[0, 12], [12, 8]]);
    expect(() => planAvgPool('adaptiveAvgPool2d: x', { ...g, h: 40, w: 40 }, LIMITS)).toThrow(/adaptiveAvgPool2d: x \[5, 4, 40, 40\]/);
    const lrn = planLrn([6, 8, 6, 6], LIMITS);
    expect(lrn.runs).toEqual([[0, 2], [2, 2], [4, 2]]);
    expect(lrn.whole).toBe(false);
    expect(planLrn([6, 8, 6, 6], LARGE)).toEqual({ runs: [[0, 6]], whole: true });
    expect(() => planLrn([2, 100, 4, 4], LIMITS)).toThrow(/localResponseNorm: x \[2, 100, 4, 4\] .*fewest samples/);
  });

  it('batchNorm runs samples from any start; refuses a sample larger than a binding', () => {
    const d = { n: 4, c: 3, s: 100, momentum: 0.1, eps: 1e-5 };
    expect(planBatchNorm([4, 3, 10, 10], d, LIMITS)).toEqual({ runs: [[0, 3], [3, 1]], whole: false });
    expect(planBatchNorm([4, 3, 10, 10], d, LARGE)).toEqual({ runs: [[0, 4]], whole: true });
    expect(planBatchNorm([0, 3, 10, 10], { ...d, n: 0 }, LIMITS).runs).toEqual([]);
    expect(() => planBatchNorm([2, 10, 10, 10], { ...d, n: 2, c: 10 }, LIMITS)).toThrow(/batchNorm: x \[2, 10, 10, 10\] is larger .*so is each of its samples/);
  });

  it('softmax runs outer slabs; refuses a slab larger than a binding', () => {
    const p = planSoftmax('softmax', [100, 30], 100, 30, 1, LIMITS);
    expect(p).toMatchObject({ runs: [[0, 32], [32, 32], [64, 32], [96, 4]], whole: false, outer: 100, r: 30, inner: 1 });
    expect(planSoftmax('softmax', [10, 30], 10, 30, 1, LIMITS).whole).toBe(true);
    expect(() => planSoftmax('logSoftmax', [2, 1000], 2, 1000, 1, LIMITS)).toThrow(/logSoftmax: x \[2, 1000\] .*slabs along the axis \(\[1000, 1\]\)/);
  });
});

describe('reductions', () => {
  it('adjacent axes reduce in one pass; apart, through a permuted copy where x fits, else run by run', () => {
    expect(planReduce('sum: x', [4, 300, 5], [1], LIMITS)).toEqual({ route: 'one', permute: false, pass: { outer: 4, r: 300, inner: 5 } });
    expect(planReduce('sum: x', [4, 3, 5], [0, 2], LIMITS)).toEqual({ route: 'one', permute: true, pass: { outer: 3, r: 20, inner: 1 } });
    expect(planReduce('sum: x', [4, 300, 5], [0, 2], LIMITS)).toEqual({
      route: 'runs',
      passes: [{ outer: 1200, r: 5, inner: 1 }, { outer: 1, r: 4, inner: 300 }],
    });
  });

  it('refuses a kept block larger than a binding, naming the op', () => {
    expect(() => planReduce('mean: x', [2, 2000], [0], LIMITS)).toThrow(/mean: x \[2, 2000\] keeps blocks of 2000 contiguous elements \(8000 bytes\)/);
    expect(planReduce('mean: x', [2, 2000], [0], LARGE).route).toBe('one');
  });

  it('argmax runs whole slabs', () => {
    expect(planArgmax('argmax: x', [100, 30], { outer: 100, r: 30, inner: 1 }, LIMITS).runs).toEqual([[0, 32], [32, 32], [64, 32], [96, 4]]);
    expect(() => planArgmax('argmax: x', [2, 2000], { outer: 2, r: 2000, inner: 1 }, LIMITS)).toThrow(/argmax: x \[2, 2000\] compares 2000 × 1 elements/);
  });
});

describe('copies, broadcasts and selections', () => {
  it('a strided copy binds only the span of its view where the tensor is larger than a binding', () => {
    const rows = { shape: [2, 100], offset: 1000, strides: [100, 1] };
    expect(planStrided('narrow: x', [100, 100], rows, LIMITS)).toEqual({ view: rows, span: [1000, 1200], dense: [[0, 200]] });
    expect(planStrided('narrow: x', [10, 100], rows, LIMITS).span).toBeNull();
    const column = { shape: [100, 1], offset: 0, strides: [100, 1] };
    expect(() => planStrided('cat: the result', [100, 100], column, LIMITS)).toThrow(/cat: the result \[100, 100\] needs 40000 bytes .*spans 9901 elements/);
  });

  it('a broadcast binary op: same shapes by ranges, whole where it fits, else rows along the first axis', () => {
    expect(planBroadcast('add', [3000], [3000], [3000], LIMITS).kind).toBe('same');
    expect(planBroadcast('add', [30, 8], [8], [30, 8], LIMITS).kind).toBe('whole');
    expect(planBroadcast('add', [300, 8], [8], [300, 8], LIMITS)).toMatchObject({ kind: 'rows', dims: [300, 8], sa: [8, 1], sb: [0, 1], rows: 128, width: 8 });
    expect(() => planBroadcast('mul', [3000, 1], [1, 3000], [3000, 3000], LIMITS)).toThrow(/mul: a \[3000, 1\] and b \[1, 3000\] broadcast to \[3000, 3000\]/);
  });

  it('indexSelect splits x only along its first axis', () => {
    const g = { outer: 1, d: 100, inner: 20, k: 3 };
    expect(planIndexSelect([100, 20], [3, 20], g, LIMITS)).toEqual({ runs: [[0, 48], [48, 48], [96, 4]], whole: false });
    expect(() => planIndexSelect([2, 100, 20], [2, 3, 20], { ...g, outer: 2 }, LIMITS)).toThrow(/can be split only along its first axis/);
    expect(() => planIndexSelect([100, 2000], [3, 2000], { ...g, inner: 2000 }, LIMITS)).toThrow(/indexSelect: the result \[3, 2000\] needs 24000 bytes/);
  });
});

describe('conv2d: the form decided once', () => {
  const g: ConvGeometry = { n: 3, c: 2, h: 12, w: 12, cout: 3, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, oh: 12, ow: 12 };
  const cpu = { convChunkBytes: null, sizing: 'cpu' as const, gemm: 'texture' as const };
  const im2col = { conv: 'im2col' as const, ...cpu };
  const implicit = { conv: 'implicit' as const, ...cpu };
  const winograd = { conv: 'winograd' as const, ...cpu };

  it('implicit GEMMs where the policy says and every tensor fits; the input gradient only where it pays', () => {
    expect(planConv2d('conv2d', g, true, LARGE, implicit)).toEqual({ winograd: null, implicit: true, implicitInputGrad: false, chunks: [[0, 3]] });
    const wide = { ...g, c: 16 };
    expect(planConv2d('conv2d', wide, true, LARGE, implicit).implicitInputGrad).toBe(true);
    expect(planConv2d('conv2d', wide, true, LARGE, im2col)).toMatchObject({ implicit: false, implicitInputGrad: false });
    // Under a small limit the implicit kernels cannot bind x whole: columns, chunk by chunk.
    expect(planConv2d('conv2d', { ...g, n: 10, c: 1, cout: 1, kh: 1, kw: 1, ph: 0, pw: 0 }, false, LIMITS, implicit).implicit).toBe(false);
  });

  it("Winograd where the policy asks and it applies and pays (3×3, stride 1, 8 channels or more); else the adapter's other form", () => {
    const wide = { ...g, c: 8, cout: 9 };
    const plan = planConv2d('conv2d', wide, true, LARGE, winograd);
    expect(plan.winograd?.tile).toBe(2);
    expect(plan.winograd?.forward.chunks.map((c) => [c.n0, c.nb])).toEqual([[0, 3]]);
    // Two channels: its transforms would cost more than they save, so columns on a CPU, implicit GEMMs on a GPU.
    expect(planConv2d('conv2d', g, true, LARGE, winograd)).toMatchObject({ winograd: null, implicit: false });
    expect(planConv2d('conv2d', g, true, LARGE, { ...winograd, sizing: 'gpu' })).toMatchObject({ winograd: null, implicit: true });
    // Stride 2: not a Winograd convolution.
    expect(planConv2d('conv2d', { ...wide, sh: 2, sw: 2, oh: 6, ow: 6 }, true, LARGE, winograd).winograd).toBeNull();
  });

  it("the column form's chunks cover the batch and refuse a sample whose columns exceed a binding", () => {
    const small = { ...g, h: 4, w: 4, oh: 4, ow: 4, n: 10 };
    const plan = planConv2d('conv2d', small, true, LIMITS, im2col);
    expectCover(plan.chunks, 10);
    expect(plan.chunks[0][1]).toBe(samplesPerChunk(small, LIMITS, im2col));
    expect(() => planConv2d('conv2d', g, false, LIMITS, im2col)).toThrow(
      /conv2d: one sample's column matrix \(18 × 144 floats, 10368 bytes; x \[3, 2, 12, 12\], weight \[3, 2, 3, 3\]\) is larger than one storage binding/,
    );
    // Under the implicit form, only a wanted input gradient that does not pay runs on columns.
    expect(() => planConv2d('conv2d', g, false, { ...LIMITS, maxBinding: 8192 }, implicit)).not.toThrow();
  });
});

describe('the texture GEMM (gemm-texture-plan.ts)', () => {
  const tuning = { costScale: 1, orientation: null };
  const limits = { bindingLimit: 2 ** 27, maxTextureDimension2D: 8192, tuning };
  const shape = (M: number, N: number, K: number, transA = false, transB = false) => ({
    M, N, K, transA, transB, lda: transA ? M : K, ldb: transB ? K : N, bytes: { a: 4 * M * K, b: 4 * K * N, out: 4 * M * N },
  });

  it('runs a large product on textures, in the orientation that costs less to ready', () => {
    expect(planTextureGemm(shape(512, 512, 512), limits)).toEqual({ transposeOut: false });
    // A stored transposed packs at a higher cost than Cᵀ's copies: the product runs transposed.
    expect(planTextureGemm(shape(512, 512, 512, true, true), limits)).toEqual({ transposeOut: true });
    expect(planTextureGemm(shape(512, 512, 512), { ...limits, tuning: { costScale: 1, orientation: 'transposed' } })).toEqual({ transposeOut: true });
  });

  it('declines where readying costs more than it saves, where K is 0, a buffer exceeds a binding or a texture the device', () => {
    expect(planTextureGemm(shape(4, 4, 4), limits)).toBeNull();
    expect(planTextureGemm(shape(512, 512, 0), limits)).toBeNull();
    expect(planTextureGemm(shape(512, 512, 512), { ...limits, bindingLimit: 2 ** 19 })).toBeNull();
    expect(planTextureGemm(shape(512, 512, 512), { ...limits, maxTextureDimension2D: 100 })).toBeNull();
  });

  it('reads operands from element offsets (views of larger tensors), copied only from a start on a texel', () => {
    const q = { ...shape(64, 128, 256), offA: 3 * 64 * 256, offB: 6 };
    const [a, b] = packings(q, 0, 256);
    expect([a.off, b.off]).toEqual([3 * 64 * 256, 6]);
    expect([copyable(a), copyable(b)]).toEqual([true, false]);
    // A later range of k starts past the offset; the transposed product swaps the operands' offsets.
    expect(packings(q, 128, 128).map((k) => k.off)).toEqual([3 * 64 * 256 + 128, 6 + 128 * 128]);
    expect(transposedShape(q)).toMatchObject({ offA: 6, offB: 3 * 64 * 256 });
  });

  it('pads rows to a copyable length only for the texture variant', () => {
    expect(copyableRowLength(100, 'texture')).toBe(128);
    expect(copyableRowLength(128, 'texture')).toBe(128);
    expect(copyableRowLength(100, 'workgroup')).toBe(100);
  });
});
