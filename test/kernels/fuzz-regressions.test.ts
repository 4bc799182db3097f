// Bugs the fuzz table (test/kernels/fuzz.test.ts) found, each pinned by the smallest case.
import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../src/index.js';
import { setupDevice } from '../helpers.js';

beforeAll(setupDevice);

describe('fuzz-found bugs', () => {
  it('a scalar takes axis -1 as PyTorch does (argmax, sum, max, mean), and reduces nothing over axis 0 (sum(tensor(5), 0) was 0)', async () => {
    const x = wg.tensor(5);
    const results = [wg.argmax(x, -1), wg.sum(x, -1), wg.max(x, [-1]), wg.mean(x, -1, true)];
    expect(await Promise.all(results.map((r) => r.item()))).toEqual([0, 5, 5, 5]);
    expect(results.map((r) => r.shape)).toEqual([[], [], [], []]);
    expect(() => wg.sum(x, -2)).toThrow(/sum: axis -2 is out of range for a tensor of rank 0/);
    [x, ...results].forEach((t) => t.dispose());
  });

  it('softmax and logSoftmax of an empty tensor are empty, not refused as larger than a binding', async () => {
    const x = wg.zeros([0, 3]);
    for (const op of [wg.softmax, wg.logSoftmax]) {
      const y = op(x, 1);
      expect(y.shape).toEqual([0, 3]);
      expect(Array.from(await y.toArray())).toEqual([]);
      y.dispose();
    }
    x.dispose();
  });

  it('crossEntropy keeps log Σ exp beside large logits (a row of 1e20s loses nothing) in the loss and its gradient', async () => {
    // PyTorch 1.13: F.cross_entropy([[1e20, 1e20, 1e20], [1, 2, 3]], [0, 2]) = (log 3 + 0.40761) / 2.
    const logits = wg.tensor([[1e20, 1e20, 1e20], [1, 2, 3]], { requiresGrad: true });
    const loss = wg.crossEntropy(logits, [0, 2]);
    const lse2 = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
    expect(await loss.item()).toBeCloseTo((Math.log(3) + lse2 - 3) / 2, 6);
    loss.backward();
    const g = Array.from(await logits.grad!.toArray());
    const soft = [1, 2, 3].map((v) => Math.exp(v - lse2));
    const expected = [(1 / 3 - 1) / 2, 1 / 6, 1 / 6, soft[0] / 2, soft[1] / 2, (soft[2] - 1) / 2];
    g.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
    loss.dispose();
    logits.dispose();
  });

  it('full(shape, -0) keeps the sign of zero, so x / -0 is -inf as in PyTorch (it was +inf)', async () => {
    const x = wg.tensor([0.5, -2]);
    const y = wg.div(x, -0);
    expect(Array.from(await y.toArray())).toEqual([-Infinity, Infinity]);
    const z = wg.full([3], -0);
    expect(Array.from(await z.toArray()).map((v) => Object.is(v, -0))).toEqual([true, true, true]);
    [x, y, z].forEach((t) => t.dispose());
  });
});
