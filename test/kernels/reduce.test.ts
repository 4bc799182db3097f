import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../src/index.js';
import { asF32, expectClose, randomValues, refReduce, setupDevice } from '../helpers.js';

beforeAll(setupDevice);

describe('reductions', () => {
  const shape = [3, 5, 7, 11];
  const data = asF32(randomValues(3 * 5 * 7 * 11, 5));
  const axesCases = [[0], [1], [3], [1, 2], [0, 2], [0, 3], [0, 1, 2, 3]];

  for (const axes of axesCases) {
    it(`sum, mean and max over axes [${axes}] with and without keepDims`, async () => {
      const x = wg.tensor(data, shape);
      const count = axes.reduce((n, a) => n * shape[a], 1);
      const sums = refReduce(data, shape, axes, (a, v) => a + v, 0);
      const maxes = refReduce(data, shape, axes, Math.max, -Infinity);
      expectClose(await wg.sum(x, axes).toArray(), sums, 1e-5, 1e-5);
      expectClose(await wg.mean(x, axes).toArray(), sums.map((s) => s / count), 1e-5, 1e-6);
      expectClose(await wg.max(x, axes).toArray(), maxes, 0, 0);
      const kept = wg.sum(x, axes, true);
      expect(kept.shape).toEqual(shape.map((d, i) => (axes.includes(i) ? 1 : d)));
      expect(wg.sum(x, axes).shape).toEqual(shape.filter((_, i) => !axes.includes(i)));
    });
  }

  it('a long reduction with few outputs (two passes) matches the reference', async () => {
    const long = asF32(randomValues(3 * 20_011, 9));
    const x = wg.tensor(long, [3, 20_011]);
    expectClose(await wg.sum(x, 1).toArray(), refReduce(long, [3, 20_011], [1], (a, v) => a + v, 0), 1e-5, 1e-4);
    expectClose(await wg.max(x, 1).toArray(), refReduce(long, [3, 20_011], [1], Math.max, -Infinity), 0, 0);
    expectClose(await wg.mean(x).toArray(), [long.reduce((a, b) => a + b, 0) / long.length], 1e-4, 1e-6);
  });

  it('negative axes count from the end', async () => {
    const x = wg.tensor(data, shape);
    expectClose(await wg.sum(x, -1).toArray(), await wg.sum(x, 3).toArray(), 0, 0);
  });

  it('argmax gives the index of the first maximum as int32', async () => {
    const x = wg.tensor([1, 5, 5, 2, 9, 0, -1, -3, -2], [3, 3]);
    const am = wg.argmax(x, 1);
    expect(am.dtype).toBe('int32');
    expect(Array.from(await am.toArray())).toEqual([1, 1, 0]);
    expect(Array.from(await wg.argmax(x, 0).toArray())).toEqual([1, 1, 0]);
  });

  it('max keeps NaN', async () => {
    expect(Number.isNaN((await wg.max(wg.tensor([1, Number.NaN, 3])).toArray())[0])).toBe(true);
  });
});

describe('layout', () => {
  it('permute and transpose match a reference copy', async () => {
    const d = asF32(randomValues(2 * 3 * 4, 3));
    const x = wg.tensor(d, [2, 3, 4]);
    const p = wg.permute(x, [2, 0, 1]);
    expect(p.shape).toEqual([4, 2, 3]);
    const ref: number[] = [];
    for (let k = 0; k < 4; k++) for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) ref.push(d[i * 12 + j * 4 + k]);
    expectClose(await p.toArray(), ref, 0, 0);
    const t = wg.transpose(wg.tensor(d, [6, 4]));
    expect(t.shape).toEqual([4, 6]);
    expect((await t.toArray())[1]).toBe(Math.fround(d[4]));
  });

  it('reshape shares storage and infers -1', async () => {
    const x = wg.arange(12);
    const r = x.reshape([3, -1]);
    expect(r.shape).toEqual([3, 4]);
    expect(r.buffer).toBe(x.buffer);
    x.dispose();
    // the view keeps the storage alive
    expect(Array.from(await r.toArray())).toEqual([...Array(12).keys()]);
  });

  it('expand broadcasts by copying', async () => {
    const e = wg.expand(wg.tensor([1, 2, 3], [3, 1]), [2, 3, 4]);
    const v = await e.toArray();
    expect(e.shape).toEqual([2, 3, 4]);
    expect(Array.from(v.slice(0, 8))).toEqual([1, 1, 1, 1, 2, 2, 2, 2]);
    expect(v[23]).toBe(3);
  });
});

describe('min', () => {
  it('has its own reduction: float64, the former -max(-x), ±inf and NaN', async () => {
    const shape = [3, 5, 7];
    const data = asF32(randomValues(105, 6));
    const x = wg.tensor(data, shape);
    for (const axes of [[0], [1], [2], [0, 2], [0, 1, 2]]) {
      const got = await wg.min(x, axes).toArray();
      expectClose(got, refReduce(data, shape, axes, Math.min, Infinity), 0, 0);
      expectClose(got, await wg.neg(wg.max(wg.neg(x), axes)).toArray(), 0, 0);
    }
    // The identities are ±inf, so that a row of infinities keeps them (not ∓FLT_MAX).
    const inf = wg.tensor([Infinity, Infinity, -Infinity, -Infinity], [2, 2]);
    expect(Array.from(await wg.min(inf, 1).toArray())).toEqual([Infinity, -Infinity]);
    expect(Array.from(await wg.max(inf, 1).toArray())).toEqual([Infinity, -Infinity]);
    const nan = await wg.min(wg.tensor([1, Number.NaN, -3, 2, 0.5, 4], [2, 3]), 1).toArray();
    expect(Number.isNaN(nan[0])).toBe(true);
    expect(nan[1]).toBe(0.5);
    expect(() => wg.min(wg.zeros([2, 0]), 1)).toThrow(/min: x \[2, 0\] has no elements along axis 1, so there is no minimum/);
  });

  it("shares the gradient equally among tied minima, as torch.amin", async () => {
    const x = wg.tensor([3, 1, 1, 2, 5, 4, 4, 4], [2, 4], { requiresGrad: true });
    wg.sum(wg.mul(wg.min(x, 1), wg.tensor([2, 3]))).backward();
    expectClose(await x.grad!.toArray(), [0, 1, 1, 0, 0, 1, 1, 1], 1e-7, 0);
  });
});
