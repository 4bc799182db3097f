// indexSelect and gather against float64 references computed here, on random non-zero inputs of
// odd sizes with poisoned outputs; their gradients (scatter-adds over repeated indices) against
// finite differences; indices out of range reported at the next readback.
import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../src/index.js';
import { asF32, expectClose, randomValues, setupDevice } from '../helpers.js';

beforeAll(setupDevice);

const strides = (shape: number[]): number[] => shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
const coordsOf = (e: number, shape: number[]): number[] => shape.map((_, i) => Math.floor(e / strides(shape)[i]) % shape[i]);
const offsetOf = (c: number[], shape: number[]): number => c.reduce((s, v, i) => s + v * strides(shape)[i], 0);

/** Indices in [0, size), with repeats. */
const randomIndices = (n: number, size: number, seed: number): Int32Array => Int32Array.from(randomValues(n, seed), (v) => Math.floor(Math.abs(v) * size) % size);

/** A scalar that weighs every element differently, so that a misplaced gradient shows. */
const weighted = (y: wg.Tensor, seed = 99): wg.Tensor => wg.sum(wg.mul(y, wg.tensor(randomValues(y.size, seed), [...y.shape])));

function refIndexSelect(x: Float64Array, shape: number[], dim: number, index: Int32Array): Float64Array {
  const outShape = shape.map((s, j) => (j === dim ? index.length : s));
  const n = outShape.reduce((a, b) => a * b, 1);
  return Float64Array.from({ length: n }, (_, e) => {
    const c = coordsOf(e, outShape);
    c[dim] = index[c[dim]];
    return x[offsetOf(c, shape)];
  });
}

describe('indexSelect', () => {
  const shape = [5, 7, 9];

  for (const dim of [0, 1, 2, -1]) {
    it(`matches a float64 reference along dim ${dim}, and its gradient sums repeated indices`, async () => {
      const xv = asF32(randomValues(5 * 7 * 9, 1 + dim));
      const d = dim < 0 ? dim + 3 : dim;
      const index = randomIndices(11, shape[d], 10 + dim);
      const x = wg.tensor(xv, shape, { requiresGrad: true });
      const out = wg.indexSelect(x, dim, wg.tensor(index, [11], { dtype: 'int32' }));
      expect(out.shape).toEqual(shape.map((s, j) => (j === d ? 11 : s)));
      expectClose(await out.toArray(), refIndexSelect(xv, shape, d, index), 0, 0);
      const result = await wg.gradCheck((t) => weighted(wg.indexSelect(t, dim, index)), [x]);
      expect(result.ok, `max relative error ${result.maxRelativeError}`).toBe(true);
    });
  }

  it('gives the exact gradient: each row the sum over the positions that select it', async () => {
    const x = wg.tensor(asF32(randomValues(4 * 3, 5)), [4, 3], { requiresGrad: true });
    const index = [2, 0, 2, 2, 3];
    const g = asF32(randomValues(5 * 3, 6));
    wg.indexSelect(x, 0, index).backward(wg.tensor(g, [5, 3]));
    const expected = new Float64Array(12);
    index.forEach((row, k) => {
      for (let i = 0; i < 3; i++) expected[row * 3 + i] += g[k * 3 + i];
    });
    expectClose(await x.grad!.toArray(), expected, 1e-6, 1e-7);
  });

  it('selects int32 tensors bit for bit, and numbers as indices', async () => {
    const labels = wg.tensor([7, -3, 2 ** 31 - 1, 5], { dtype: 'int32' });
    const out = labels.indexSelect(0, [2, 2, 1, 0]);
    expect(out.dtype).toBe('int32');
    expect(Array.from(await out.toArray())).toEqual([2 ** 31 - 1, 2 ** 31 - 1, -3, 7]);
  });

  it('splits an x larger than one binding into runs of rows along dim 0', async () => {
    const rows = 301;
    const xv = asF32(randomValues(rows * 7, 8));
    const index = randomIndices(23, rows, 9);
    const x = wg.tensor(xv, [rows, 7], { requiresGrad: true });
    const g = asF32(randomValues(23 * 7, 10));
    await wg.withPolicy({ bindingLimit: 2048 }, async () => {
      const out = wg.indexSelect(x, 0, wg.tensor(index, [23], { dtype: 'int32' }));
      expectClose(await out.toArray(), refIndexSelect(xv, [rows, 7], 0, index), 0, 0);
      out.backward(wg.tensor(g, [23, 7]));
      const expected = new Float64Array(rows * 7);
      index.forEach((row, k) => {
        for (let i = 0; i < 7; i++) expected[row * 7 + i] += g[k * 7 + i];
      });
      expectClose(await x.grad!.toArray(), expected, 1e-6, 1e-7);
    });
  });

  it('reports an index out of range at the next readback, with its position', async () => {
    const x = wg.tensor(asF32(randomValues(12, 11)), [4, 3]);
    const out = wg.indexSelect(x, 0, wg.tensor([1, 4, 0], { dtype: 'int32' }));
    await expect(out.toArray()).rejects.toThrow(/indexSelect: index\[1\] = 4 is out of range \[0, 4\)/);
    expect(await wg.sum(x).item()).toBeTypeOf('number'); // the report is cleared
  });
});

describe('gather', () => {
  it('matches a float64 reference along each dim, with a smaller index, and its gradient scatter-adds', async () => {
    const shape = [4, 5, 3];
    const xv = asF32(randomValues(60, 21));
    for (const dim of [0, 1, 2]) {
      const indexShape = [3, 5, 2].map((s, j) => (j === dim ? 7 : s));
      const count = indexShape.reduce((a, b) => a * b, 1);
      const index = randomIndices(count, shape[dim], 30 + dim);
      const x = wg.tensor(xv, shape, { requiresGrad: true });
      const idx = wg.tensor(index, indexShape, { dtype: 'int32' });
      const out = wg.gather(x, dim, idx);
      expect(out.shape).toEqual(indexShape);
      const expected = Float64Array.from({ length: count }, (_, e) => {
        const c = coordsOf(e, indexShape);
        c[dim] = index[e];
        return xv[offsetOf(c, shape)];
      });
      expectClose(await out.toArray(), expected, 0, 0);
      const result = await wg.gradCheck((t) => weighted(wg.gather(t, dim, idx)), [x]);
      expect(result.ok, `dim ${dim}: max relative error ${result.maxRelativeError}`).toBe(true);
      // Elements of x that index reaches nowhere get a zero gradient.
      x.grad?.dispose();
      x.grad = null;
      out.dispose();
      const again = wg.gather(x, dim, idx);
      again.backward(wg.onesLike(again));
      const grad = await x.grad!.toArray();
      const counts = new Float64Array(60);
      for (let e = 0; e < count; e++) {
        const c = coordsOf(e, indexShape);
        c[dim] = index[e];
        counts[offsetOf(c, shape)] += 1;
      }
      expectClose(grad, counts, 0, 0);
    }
  });

  it('reports an index out of range at the next readback', async () => {
    const x = wg.tensor([[1, 2], [3, 4]]);
    const out = wg.gather(x, 1, wg.tensor([[0, 1], [2, 0]], { dtype: 'int32' }));
    await expect(out.toArray()).rejects.toThrow(/gather: index element 2 \(row-major\) = 2 is out of range \[0, 2\)/);
  });
});
