// Dtype casts (toDtype, .float(), .int()) and comparisons on int32 operands, against references
// computed here, on odd sizes with poisoned outputs.
import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../src/index.js';
import { asF32, randomValues, setupDevice } from '../helpers.js';

beforeAll(setupDevice);

/** n int32 values spread over the whole int32 range (many beyond 2²⁴, where float32 is not exact), never 0. */
function randomInts(n: number, seed: number, range = 2 ** 31): Int32Array {
  return Int32Array.from(randomValues(n, seed), (v) => Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Math.trunc(v * range))) || 1);
}

describe('casts', () => {
  const n = 1031; // not a multiple of the workgroup

  it('int32 → float32 rounds to nearest, float32 → int32 rounds toward zero', async () => {
    const ints = randomInts(n, 1);
    const i = wg.tensor(ints, [n], { dtype: 'int32' });
    const f = i.float();
    expect(f.dtype).toBe('float32');
    expect(Array.from(await f.toArray())).toEqual(Array.from(Float32Array.from(ints)));
    const floats = asF32(randomValues(n, 2, 1000));
    const x = wg.tensor(floats, [n]);
    const k = x.int();
    expect(k.dtype).toBe('int32');
    expect(Array.from(await k.toArray())).toEqual(Array.from(floats, (v) => Math.trunc(v)));
    expect(wg.toDtype(x, 'int32').shape).toEqual([n]);
  });

  it('float32 → int32 gives 0 for NaN and saturates beyond int32', async () => {
    const x = wg.tensor([Number.NaN, 3e9, -3e9, 2147483520, -2147483648, -0.9, 0.9, Infinity, -Infinity]);
    expect(Array.from(await x.int().toArray())).toEqual([0, 2147483647, -2147483648, 2147483520, -2147483648, 0, 0, 2147483647, -2147483648]);
  });

  it('a cast to the same dtype is a new handle that passes the gradient', async () => {
    const x = wg.tensor([1.5, -2], { requiresGrad: true });
    const y = x.float();
    expect(y).not.toBe(x);
    wg.sum(wg.mul(y, y)).backward();
    expect(Array.from(await x.grad!.toArray())).toEqual([3, -4]);
    y.dispose();
    expect(Array.from(await x.toArray())).toEqual([1.5, -2]);
    const i = wg.tensor([7], { dtype: 'int32' });
    expect(Array.from(await i.int().toArray())).toEqual([7]);
  });

  it('empty tensors cast to empty tensors', async () => {
    expect((await wg.zeros([0, 3]).int().toArray()).length).toBe(0);
  });
});

describe('comparisons on int32', () => {
  const ref = {
    gt: (a: number, b: number) => a > b,
    ge: (a: number, b: number) => a >= b,
    eq: (a: number, b: number) => a === b,
    lt: (a: number, b: number) => a < b,
    le: (a: number, b: number) => a <= b,
    ne: (a: number, b: number) => a !== b,
  };

  it('compare exactly over the whole int32 range, with broadcasting, as 1/0 float32', async () => {
    const [rows, cols] = [37, 29];
    const av = randomInts(rows * cols, 3);
    // Every third element equal to a's, and some one apart beyond 2²⁴ (float32 would call them equal).
    const bv = Int32Array.from(randomInts(rows * cols, 4), (v, k) => (k % 3 === 0 ? av[k] : k % 3 === 1 ? av[k] + (av[k] < 2 ** 31 - 1 ? 1 : -1) : v));
    const a = wg.tensor(av, [rows, cols], { dtype: 'int32' });
    const b = wg.tensor(bv, [rows, cols], { dtype: 'int32' });
    const row = wg.tensor(bv.subarray(0, cols), [cols], { dtype: 'int32' });
    for (const op of ['gt', 'ge', 'eq', 'lt', 'le', 'ne'] as const) {
      const out = wg[op](a, b);
      expect(out.dtype).toBe('float32');
      expect(Array.from(await out.toArray()), op).toEqual(Array.from(av, (v, k) => (ref[op](v, bv[k]) ? 1 : 0)));
      const broadcast = a[op](row);
      expect(Array.from(await broadcast.toArray()), `${op} broadcast`).toEqual(Array.from(av, (v, k) => (ref[op](v, bv[k % cols]) ? 1 : 0)));
      expect(Array.from(await wg[op](a, av[5]).toArray()), `${op} number`).toEqual(Array.from(av, (v) => (ref[op](v, av[5]) ? 1 : 0)));
    }
  });

  it('int32 against float32 or a fraction promotes to float32, as PyTorch', async () => {
    const i = wg.tensor([1, 2, 3], { dtype: 'int32' });
    expect(Array.from(await i.gt(1.5).toArray())).toEqual([0, 1, 1]);
    expect(Array.from(await wg.eq(wg.tensor([1, 2.5, 3]), i).toArray())).toEqual([1, 0, 1]);
    expect(Array.from(await wg.lt(2, i).toArray())).toEqual([0, 0, 1]);
  });

  it('(pred.eq(y)).float().mean() is the accuracy', async () => {
    const logits = wg.tensor([[1, 3, 2], [5, 1, 0], [0, 0, 9], [2, 1, 0]]);
    const y = wg.tensor([1, 0, 1, 1], { dtype: 'int32' });
    const accuracy = logits.argmax(1).eq(y).float().mean();
    expect(await accuracy.item()).toBe(0.5);
    expect(await logits.countCorrect(y).item()).toBe(2);
  });
});
