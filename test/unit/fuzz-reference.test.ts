// The fuzz table's pure parts (test/unit/fuzz/): the float64 references on cases worked by hand,
// the views' bases (each view of its base gives the sample's values back), and the comparison.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mismatch } from './fuzz/compare.js';
import { broadcastShapes, broadcastTo, inversePermutation, matmulNd, nd, permuteNd, reduceNd, sliceNd } from './fuzz/nd.js';
import { adaptiveAvgNd, conv2dNd, lrnNd, nllNd, pool2dNd, softmaxNd } from './fuzz/nn-reference.js';
import { ANY, inputArb, shapeArb, spread, viewBase } from './fuzz/samples.js';
import { attentionNd, embeddingNd, geluValue, layerNormNd, triangleNd } from './fuzz/transformer-reference.js';

const values = (x: { data: Float64Array }) => Array.from(x.data);

describe('float64 references', () => {
  it('matmul: 2-D, 1-D operands and broadcast batches', () => {
    expect(values(matmulNd(nd([2, 2], [1, 2, 3, 4]), nd([2, 1], [5, 6])))).toEqual([17, 39]);
    expect(matmulNd(nd([2], [1, 2]), nd([2, 3], [1, 2, 3, 4, 5, 6]))).toEqual(nd([3], [9, 12, 15]));
    expect(matmulNd(nd([2], [1, 2]), nd([2], [3, 4]))).toEqual(nd([], [11]));
    const batched = matmulNd(nd([2, 1, 2], [1, 0, 0, 1]), nd([1, 2, 1], [3, 4]));
    expect(batched).toEqual(nd([2, 1, 1], [3, 4]));
  });

  it('reductions: axes, keepDims, empty groups', () => {
    const x = nd([2, 3], [1, 2, 3, 4, 5, 6]);
    expect(reduceNd(x, [1], false, (a, v) => a + v, 0)).toEqual(nd([2], [6, 15]));
    expect(reduceNd(x, [-2], true, (a, v) => Math.max(a, v), -Infinity)).toEqual(nd([1, 3], [4, 5, 6]));
    expect(values(reduceNd(nd([0, 2], []), [0], false, (a, v) => a + v, 0, (a, n) => a / n))).toEqual([NaN, NaN]);
    expect(reduceNd(x, undefined, false, (a, v) => a + v, 0)).toEqual(nd([], [21]));
  });

  it('layout: broadcast, permute, slice', () => {
    expect(broadcastShapes([2, 1, 3], [4, 1])).toEqual([2, 4, 3]);
    expect(broadcastShapes([2], [3])).toBeNull();
    expect(broadcastTo(nd([1, 2], [7, 8]), [2, 2])).toEqual(nd([2, 2], [7, 8, 7, 8]));
    expect(permuteNd(nd([2, 3], [1, 2, 3, 4, 5, 6]), [1, 0])).toEqual(nd([3, 2], [1, 4, 2, 5, 3, 6]));
    expect(sliceNd(nd([5], [0, 1, 2, 3, 4]), 0, -4, 100, 2)).toEqual(nd([2], [1, 3]));
    expect(inversePermutation([2, 0, 1])).toEqual([1, 2, 0]);
  });

  it('conv2d, pooling, LRN, softmax, NLL on hand-worked cases', () => {
    const x = nd([1, 1, 3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(values(conv2dNd(x, nd([1, 1, 2, 2], [1, 1, 1, 1]), nd([1], [0.5]), 1, 0))).toEqual([12.5, 16.5, 24.5, 28.5]);
    expect(values(conv2dNd(x, nd([1, 1, 1, 1], [2]), null, 2, 0))).toEqual([2, 6, 14, 18]);
    expect(values(pool2dNd(x, 'max', 2, 2, 1))).toEqual([1, 3, 7, 9]);
    // Padded corners: 1/4 with the padding counted, 1/1 without.
    expect(values(pool2dNd(x, 'avg', 2, 2, 1, true))[0]).toBe(0.25);
    expect(values(pool2dNd(x, 'avg', 2, 2, 1, false))[0]).toBe(1);
    expect(values(pool2dNd(nd([1, 1, 1, 2], [NaN, 1]), 'max', 1, 1, 0))).toEqual([NaN, 1]);
    expect(values(adaptiveAvgNd(nd([1, 1, 1, 3], [1, 2, 4]), 1, 2))).toEqual([1.5, 3]);
    const lrn = lrnNd(nd([1, 2, 1, 1], [1, 2]), 2, 1, 1, 1);
    // Channel 0's window is channels −1..0, channel 1's is 0..1: 1 / (1 + 1/2), 2 / (1 + 5/2).
    expect(values(lrn)).toEqual([1 / 1.5, 2 / 3.5]);
    const soft = softmaxNd(nd([3, 2], [0, Math.log(3), -Infinity, 0, Infinity, 0]), 1, false);
    expect(values(soft).slice(0, 4).map((v) => +v.toFixed(12))).toEqual([0.25, 0.75, 0, 1]);
    expect(values(soft).slice(4).every(Number.isNaN)).toBe(true);
    expect(values(nllNd(nd([2, 2], [-1, -2, -3, -4]), [1, 0]))).toEqual([2.5]);
    expect(values(nllNd(nd([0, 2], []), []))).toEqual([NaN]);
  });

  it('transformer ops: gelu, layerNorm, tril/triu, embedding (values from PyTorch 1.13 in float64)', () => {
    expect(geluValue(1, false)).toBeCloseTo(0.841344746068543, 6);
    expect(geluValue(-2, false)).toBeCloseTo(-0.04550026389635842, 6);
    expect(geluValue(1, true)).toBeCloseTo(0.8411919906082768, 12);
    expect(geluValue(-2, true)).toBeCloseTo(-0.04540230591222494, 12);
    expect([geluValue(-Infinity, false), geluValue(Infinity, true)]).toEqual([NaN, Infinity]);
    const y = layerNormNd(nd([3], [1, 2, 4]), 3, null, null, 0);
    [-1.0690449676496976, -0.2672612419124245, 1.3363062095621219].forEach((v, i) => expect(y.data[i]).toBeCloseTo(v, 12));
    expect(values(triangleNd(nd([2, 3], [1, 2, 3, 4, 5, 6]), 0, true))).toEqual([1, 0, 0, 4, 5, 0]);
    expect(values(triangleNd(nd([2, 3], [1, 2, 3, 4, 5, NaN]), 1, false))).toEqual([0, 2, 3, 0, 0, NaN]);
    expect(embeddingNd(nd([2], [2, 0]), nd([3, 2], [0, 1, 2, 3, 4, 5]))).toEqual(nd([2, 2], [4, 5, 0, 1]));
  });

  it('attention: causal (L ≠ S), unmasked, a query with no key (NaN), no keys at all (0)', () => {
    const q = nd([2, 2], [1, 0, 0, 1]);
    const k = nd([3, 2], [1, 0, 0, 1, 1, 1]);
    const v = nd([3, 1], [1, 2, 4]);
    const close = (x: { data: Float64Array }, want: number[]) => want.forEach((w, i) => expect(x.data[i]).toBeCloseTo(w, 12));
    close(attentionNd(q, k, v, { causal: true }), [1, 1.6697615493266569]);
    close(attentionNd(q, k, v), [2.401112092679786, 2.604448370719144]);
    expect(values(attentionNd(q, k, v, { mask: { values: nd([3], [0, 0, 0]), kind: 'bool' } }))).toEqual([NaN, NaN]);
    expect(values(attentionNd(q, nd([0, 2], []), nd([0, 1], [])))).toEqual([0, 0]);
  });
});

describe('sample inputs', () => {
  it('each view of its base gives back the sample values (permute, strided slice, expand)', () => {
    fc.assert(
      fc.property(
        shapeArb(0, 3).chain((s) => inputArb(s, ANY)),
        (x) => {
          const base = viewBase(x);
          const v = x.view;
          const back =
            v.kind === 'permute' ? permuteNd(base, inversePermutation(v.axes)) : v.kind === 'slice' ? sliceNd(base, v.dim, 1, base.shape[v.dim], 2) : v.kind === 'expand' ? broadcastTo(base, x.shape) : base;
          expect(mismatch(back, [x], { rtol: 0, atol: 0 })).toBeNull();
        },
      ),
      { seed: 26, numRuns: 200 },
    );
  });

  it('spread keeps the order and puts 0.13 between values', () => {
    expect(Array.from(spread(Float64Array.of(5, -1, 3)), (v) => +v.toFixed(6))).toEqual([-0.74, -1, -0.87]);
  });
});

describe('comparison', () => {
  it('NaN matches NaN, infinities exactly, beyond float32 as infinity, the rest within tolerance', () => {
    const tol = { rtol: 1e-5, atol: 1e-6 };
    expect(mismatch({ shape: [3], data: [NaN, Infinity, 1] }, [nd([3], [NaN, Infinity, 1 + 1e-7])], tol)).toBeNull();
    expect(mismatch({ shape: [1], data: [Infinity] }, [nd([1], [1e39])], tol)).toBeNull();
    expect(mismatch({ shape: [1], data: [1] }, [nd([1], [NaN])], tol)).toMatch(/element 0: got 1, expected NaN/);
    expect(mismatch({ shape: [1], data: [3e38] }, [nd([1], [Infinity])], tol)).toMatch(/element 0/);
    expect(mismatch({ shape: [2], data: [1, 2] }, [nd([1, 2], [1, 2])], tol)).toMatch(/shape \[2\], expected \[1,2\]/);
    // Between a reference and its flushed alternative.
    expect(mismatch({ shape: [1], data: [-100] }, [nd([1], [-92]), nd([1], [-Infinity])], tol)).toBeNull();
    expect(mismatch({ shape: [1], data: [-88] }, [nd([1], [-92]), nd([1], [-Infinity])], tol)).toMatch(/got -88/);
  });
});
