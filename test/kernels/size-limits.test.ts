// Tensors over the device's buffer and binding limits: refused at the op, the device usable after.
import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../src/node.js';
import { runtime } from '../../src/device/current.js';
import { setupDevice } from '../helpers.js';

beforeAll(setupDevice);

describe('a tensor larger than maxBufferSize', () => {
  it('a tensor larger than maxBufferSize is refused at the op, naming shape, bytes and limit; the device stays usable', async () => {
    const limit = runtime().gpu.limits.maxBufferSize;
    const n = Math.floor(limit / 4) + 1;
    expect(() => wg.zeros([n])).toThrow(new RegExp(`zeros: shape \\[${n}\\] needs ${n * 4} bytes .*maxBufferSize of ${limit} bytes`));
    const x = wg.ones([4]);
    expect(() => wg.expand(x, [n, 4])).toThrow(wg.WebgradError);
    expect(() => wg.zeros([2 ** 31, 2 ** 31])).toThrow(/more than can be counted exactly/);
    expect(await wg.sum(x).item()).toBe(4);
    x.dispose();
  });
});

describe('a tensor larger than one storage binding', () => {
  it('is refused by the ops that bind it (or a view spanning more than a binding of it) whole, naming op, shape, bytes and limit; the device stays usable', async (context) => {
    const limit = runtime().gpu.limits.maxStorageBufferBindingSize;
    const rows = Math.floor(limit / 4 / 2 ** 20) + 1;
    if (rows * 2 ** 22 > runtime().gpu.limits.maxBufferSize || limit > 2 ** 30) {
      context.skip(`the device's binding limit (${limit} bytes) is too large for a test tensor beyond it`);
    }
    const before = wg.memory().liveBuffers;
    const big = wg.zeros([rows, 2 ** 20]);
    const named = (what: string, dims: number[]) =>
      new RegExp(`${what} \\[${dims.join(', ')}\\] needs ${dims.reduce((n, d) => n * d, 4)} bytes .*maxStorageBufferBindingSize of ${limit} bytes`);
    const shape = [rows, 2 ** 20];
    // A view that spans more than a binding of a tensor larger than one is refused; a smaller one is bound alone.
    const spanned = (what: string, dims: number[]) => new RegExp(`${named(what, dims).source} .*and the view .* spans \\d+ elements`);
    expect(() => wg.slice(big, [null, [0, 2]])).toThrow(spanned('slice: x', shape));
    expect(() => wg.narrow(big, 1, 1, 2)).toThrow(spanned('narrow: x', shape));
    expect(() => wg.split(big, 2 ** 19, 1)).toThrow(spanned('split: x', shape));
    expect(() => wg.stack([big])).toThrow(spanned('stack: the result', [1, ...shape]));
    const row = wg.narrow(big, 0, rows - 1, 1);
    expect(row.shape).toEqual([1, 2 ** 20]);
    expect((await row.toArray()).every((v) => v === 0)).toBe(true);
    row.dispose();
    const unsplittable = (what: string, dims: number[], parts: string) =>
      new RegExp(`${what} \\[${dims.join(', ')}\\] is larger than one storage binding \\(the device's maxStorageBufferBindingSize of ${limit} bytes.*fewest ${parts}`);
    expect(() => wg.softmax(big, 0)).toThrow(new RegExp(`softmax: x \\[${shape.join(', ')}\\] is larger than one storage binding .*so is each of its slabs`));
    expect(() => wg.where(big, big, 0)).toThrow(named('where: the result', shape));
    const labels = wg.tensor(new Int32Array(rows), [rows], { dtype: 'int32' });
    expect(() => wg.nllLoss(big, labels)).toThrow(named('nllLoss: logProbs', shape));
    labels.dispose();
    const plane = big.reshape([1, 1, rows * 1024, 1024]);
    expect(() => wg.avgPool2d(plane, { kernelSize: 2 })).toThrow(unsplittable('avgPool2d: x', [...plane.shape], 'planes'));
    expect(() => wg.batchNorm(plane, null, null, null, null, { training: true })).toThrow(
      new RegExp(`batchNorm: x \\[${plane.shape.join(', ')}\\] is larger than one storage binding .*so is each of its samples`),
    );
    plane.dispose();
    const small = wg.zeros([1, 2 ** 20]);
    expect(() => wg.cat([big, small])).toThrow(spanned('cat: the result', [rows + 1, 2 ** 20]));
    small.dispose();
    big.dispose();
    expect(wg.memory().liveBuffers).toBe(before);
    const x = wg.tensor([1, 2, 3], [3]);
    expect(Array.from(await wg.slice(x, [[1, 3]]).toArray())).toEqual([2, 3]);
    x.dispose();
  }, 120_000);
});
