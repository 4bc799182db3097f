// Edge cases that behave as in PyTorch: tensor()'s nesting, empty tensors and operands, NaN.
import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../src/node.js';
import { setupDevice } from '../helpers.js';

beforeAll(setupDevice);

describe('edges as PyTorch', () => {
  it('tensor() infers the shape of nested arrays and takes a number as a scalar', async () => {
    const a = wg.tensor([[1, 2, 3], [4, 5, 6]]);
    expect(a.shape).toEqual([2, 3]);
    expect([...(await a.toArray())]).toEqual([1, 2, 3, 4, 5, 6]);
    const b = wg.tensor([[[1], [2]]], undefined, { dtype: 'int32' });
    expect(b.shape).toEqual([1, 2, 1]);
    expect(b.dtype).toBe('int32');
    expect([...(await b.toArray())]).toEqual([1, 2]);
    const c = wg.tensor(2.5);
    expect(c.shape).toEqual([]);
    expect(await c.item()).toBe(2.5);
    const d = wg.tensor([[1, 2], [3, 4]], [4]);
    expect(d.shape).toEqual([4]);
    const e = wg.tensor([[]]);
    expect(e.shape).toEqual([1, 0]);
    const f = wg.tensor([1, 2], { requiresGrad: true });
    expect(f.requiresGrad).toBe(true);
    for (const t of [a, b, c, d, e, f]) t.dispose();
  });

  it('mean of an empty tensor is NaN; sum is 0', async () => {
    const x = wg.zeros([0]);
    expect(await wg.mean(x).item()).toBeNaN();
    expect(await wg.sum(x).item()).toBe(0);
    const y = wg.zeros([2, 0]);
    const m = wg.mean(y, 1);
    expect(m.shape).toEqual([2]);
    expect([...(await m.toArray())].every(Number.isNaN)).toBe(true);
    for (const t of [x, y, m]) t.dispose();
  });

  it("empty operands give PyTorch's results: empty batches, zero-length products, the mean loss of no rows", async () => {
    const k0 = wg.matmul(wg.zeros([2, 0]), wg.zeros([0, 3]));
    expect(k0.shape).toEqual([2, 3]);
    expect([...(await k0.toArray())]).toEqual([0, 0, 0, 0, 0, 0]);
    const batch0 = wg.matmul(wg.zeros([0, 2, 3]), wg.ones([3, 4]));
    expect(batch0.shape).toEqual([0, 2, 4]);
    const in0 = wg.linear(wg.zeros([4, 0]), wg.zeros([2, 0]), wg.tensor([1, 2]));
    expect(in0.shape).toEqual([4, 2]);
    expect([...(await in0.toArray())]).toEqual([1, 2, 1, 2, 1, 2, 1, 2]);
    const rows0 = wg.crossEntropy(wg.zeros([0, 3]), []);
    expect(await rows0.item()).toBeNaN();
    const w = wg.ones([3, 4], { requiresGrad: true });
    const y = wg.sum(wg.matmul(wg.zeros([0, 2, 3]), w));
    y.backward();
    expect([...(await w.grad!.toArray())]).toEqual(Array(12).fill(0));
    for (const t of [k0, batch0, in0, rows0, w, y]) t.dispose();
  });

  it('NaN propagates as in PyTorch: relu, maximum, minimum keep it; argmax and countCorrect take it as the maximum', async () => {
    const x = wg.tensor([1, Number.NaN, 3]);
    const got = async (t: wg.Tensor) => [...(await t.toArray())];
    expect(await got(wg.relu(x))).toEqual([1, Number.NaN, 3]);
    expect(await got(wg.maximum(x, 2))).toEqual([2, Number.NaN, 3]);
    expect(await got(wg.minimum(2, x))).toEqual([1, Number.NaN, 2]);
    expect(await got(wg.argmax(x))).toEqual([1]);
    expect(await got(wg.argmax(wg.tensor([[Number.NaN, 5], [2, Number.NaN]]), 1))).toEqual([0, 1]);
    expect(await wg.countCorrect(x.reshape([1, 3]), [1]).item()).toBe(1);
    expect(await wg.max(x).item()).toBeNaN();
    x.dispose();
  });
});
