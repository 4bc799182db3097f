import { beforeAll, describe, expect, it } from 'vitest';
import { cat, narrow, slice, split, stack, sum, mul, tensor } from '../../src/index.js';
import { asF32, expectClose, randomValues, setupDevice } from '../helpers.js';
import * as wg from '../../src/index.js';
import { rejects } from './rejects.js';

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

// Misuse: a WebgradError naming the argument and shapes, before any GPU work.
describe('indexing and joining', () => {
  it('rejects bad ranges, axes and mismatched pieces', () => {
    const x = tensor(randomValues(24, 3), [2, 3, 4]);
    const y = tensor(randomValues(6, 4), [2, 3]);
    const z = tensor(randomValues(8, 4), [2, 4]);
    const ints = tensor([1, 2, 3, 4, 5, 6], [2, 3], { dtype: 'int32' });
    rejects(() => wg.slice(x, [null, [0, 2, 0]]), /slice: ranges\[1\] step must not be zero/);
    rejects(() => wg.slice(x, [null, null, null, null]), /slice: 4 ranges for a tensor of shape \[2, 3, 4\]/);
    rejects(() => wg.slice(x, [[0.5]]), /slice: ranges\[0\] start must be an integer, got 0.5/);
    rejects(() => wg.narrow(x, 1, 2, 2), /narrow: start 2, length 2 do not fit axis 1 of size 3 \(x \[2, 3, 4\]\)/);
    rejects(() => wg.split(x, [1, 1], 1), /split: sizes \[1, 1\] sum to 2, not to axis 1 of size 3/);
    rejects(() => wg.cat([y, z], 0), /cat: tensors\[1\] \[2, 4\] does not match tensors\[0\] \[2, 3\] outside axis 0/);
    rejects(() => wg.cat([y, ints], 0), /cat: tensors\[1\] is int32 but tensors\[0\] is float32/);
    rejects(() => wg.cat([], 0), /cat: tensors must be a non-empty array/);
    rejects(() => wg.stack([y, z]), /stack: tensors\[1\] \[2, 4\] differs from tensors\[0\] \[2, 3\]/);
    rejects(() => wg.unsqueeze(y, 3), /unsqueeze: axis 3 is out of range for a tensor of rank 3/);
    rejects(() => wg.flatten(x, 2, 1), /flatten: startAxis 2 comes after endAxis 1/);
  });
});
