import { beforeAll, describe, expect, it } from 'vitest';
import { cat, narrow, slice, split, stack, sum, mul, tensor } from '../../src/index.js';
import { asF32, expectClose, randomValues, setupDevice } from '../helpers.js';

// Cases PyTorch cannot make (negative steps) and exact int32 copies; the rest is in ops-fixtures.
beforeAll(setupDevice);

describe('slice with negative steps, as Python', () => {
  it('x[::-1, 4:0:-2] of [3, 6] and its gradient', async () => {
    const v = asF32(randomValues(18, 3));
    const x = tensor(v, [3, 6], { requiresGrad: true });
    const out = slice(x, [[null, null, -1], [4, 0, -2]]);
    expect(out.shape).toEqual([3, 2]);
    const expected: number[] = [];
    for (const r of [2, 1, 0]) for (const c of [4, 2]) expected.push(v[r * 6 + c]);
    expectClose(await out.toArray(), expected, 0, 0);
    const w = asF32(randomValues(6, 4));
    sum(mul(out, tensor(w, [3, 2]))).backward();
    const grad = new Float64Array(18);
    [2, 1, 0].forEach((r, i) => [4, 2].forEach((c, j) => (grad[r * 6 + c] = w[i * 2 + j])));
    expectClose(await x.grad!.toArray(), grad, 0, 0);
  });

  it('an empty range gives an empty tensor', () => {
    const x = tensor(randomValues(6, 5), [2, 3]);
    expect(slice(x, [[2, 0]]).shape).toEqual([0, 3]);
    expect(slice(x, [null, [0, 3, -1]]).shape).toEqual([2, 0]);
  });
});

describe('int32 tensors copy bit for bit', () => {
  it('cat, stack, narrow, split', async () => {
    const a = tensor([1, -2, 2147483647, -2147483648], [2, 2], { dtype: 'int32' });
    const b = tensor([7, 8], [2, 1], { dtype: 'int32' });
    const c = cat([a, b], 1);
    expect(c.dtype).toBe('int32');
    expect(Array.from(await c.toArray())).toEqual([1, -2, 7, 2147483647, -2147483648, 8]);
    expect(Array.from(await stack([b, b], 0).toArray())).toEqual([7, 8, 7, 8]);
    expect(Array.from(await narrow(c, 1, -1, 1).toArray())).toEqual([7, 8]);
    const [p, q] = split(c, [1, 2], 1);
    expect(Array.from(await q.toArray())).toEqual([-2, 7, -2147483648, 8]);
    expect(p.shape).toEqual([2, 1]);
  });
});
