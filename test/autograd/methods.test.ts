import { inspect } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { add, linear, matmul, relu, sum, tensor, Tensor } from '../../src/index.js';
import { TENSOR_METHODS } from '../../src/methods.js';
import { runtime } from '../../src/device/current.js';
import { asF32, randomValues, setupDevice } from '../helpers.js';

beforeAll(setupDevice);

describe('Tensor methods', () => {
  it('installs one method per table entry', () => {
    for (const name of Object.keys(TENSOR_METHODS)) expect(typeof (Tensor.prototype as unknown as Record<string, unknown>)[name], name).toBe('function');
  });

  it('chains as the functional ops do, gradients included', async () => {
    const x = tensor(asF32(randomValues(12, 1)), [3, 4], { requiresGrad: true });
    const w = tensor(asF32(randomValues(20, 2)), [4, 5], { requiresGrad: true });
    const b = tensor(asF32(randomValues(5, 3)), [5]);
    const chained = x.matmul(w).add(b).relu().sum([0]);
    const functional = sum(relu(add(matmul(x, w), b)), [0]);
    expect(Array.from(await chained.toArray())).toEqual(Array.from(await functional.toArray()));
    chained.sum().backward();
    const gChained = Array.from(await w.grad!.toArray());
    w.grad = null;
    functional.sum().backward();
    expect(gChained).toEqual(Array.from(await w.grad!.toArray()));
    expect(Array.from(await x.where(x.gt(0), 0).toArray())).toEqual(Array.from(await x.relu().toArray()));
    expect(x.split(2, 0).map((t) => t.shape)).toEqual([[2, 4], [1, 4]]);
    expect(Array.from(await x.linear(w.transpose()).toArray())).toEqual(Array.from(await linear(x, w.transpose()).toArray()));
  });
});

describe('toString and util.inspect', () => {
  it('show shape and dtype, and the values of a small tensor once read, without reading themselves', async () => {
    const t = tensor([1.5, -2, 3.25, 4, 5, 6], [2, 3]);
    const readbacks = runtime().counters.readbacks;
    expect(String(t)).toBe('Tensor([2, 3], float32)');
    expect(runtime().counters.readbacks).toBe(readbacks);
    await t.toArray();
    expect(String(t)).toBe('Tensor([2, 3], float32, [[1.5, -2, 3.25], [4, 5, 6]])');
    expect(inspect(t)).toBe(String(t));
    expect(inspect({ t })).toContain('Tensor([2, 3], float32, [[1.5, -2, 3.25], [4, 5, 6]])');
    const ints = tensor([7, 8], [2], { dtype: 'int32' });
    await ints.toArray();
    expect(`${ints}`).toBe('Tensor([2], int32, [7, 8])');
  });

  it('drop the values once a GPU command may have changed them, and for large tensors', async () => {
    const p = tensor([1, 2, 3], [3], { requiresGrad: true });
    await p.toArray();
    expect(String(p)).toContain('[1, 2, 3]');
    p.grad = tensor([1, 1, 1], [3]);
    runtime().copy(tensor([9, 9, 9], [3]).buffer, 0, p.buffer, 0, 12);
    expect(String(p)).toBe('Tensor([3], float32)');
    const big = tensor(randomValues(100, 1), [100]);
    await big.toArray();
    expect(String(big)).toBe('Tensor([100], float32)');
    big.dispose();
    expect(String(big)).toBe('Tensor([100], float32, disposed)');
  });
});
