import { beforeAll, describe, expect, it } from 'vitest';
import { countCorrect, crossEntropy, mul, tensor, WebgradError, type Tensor } from '../../src/index.js';
import { runtime } from '../../src/device/current.js';
import { asF32, expectClose, randomValues, setupDevice } from '../helpers.js';
import { loadFixtures } from '../fixtures/load.js';
import * as wg from '../../src/index.js';
import { rejects } from './rejects.js';

beforeAll(setupDevice);

const fixtures = loadFixtures();

async function values(t: Tensor | null): Promise<Float32Array> {
  if (!t) throw new Error('missing tensor');
  return (await t.toArray()) as Float32Array;
}

/** Float64 mean cross-entropy, its gradient, and the count of first-argmax hits. */
function reference(x: Float64Array, labels: number[], n: number, c: number) {
  let loss = 0;
  let correct = 0;
  const grad = new Float64Array(n * c);
  for (let r = 0; r < n; r++) {
    const row = x.subarray(r * c, (r + 1) * c);
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
    loss += lse - row[labels[r]];
    row.forEach((v, j) => (grad[r * c + j] = (Math.exp(v - lse) - (j === labels[r] ? 1 : 0)) / n));
    if (row.indexOf(m) === labels[r]) correct++;
  }
  return { loss: loss / n, grad, correct };
}

describe('crossEntropy against PyTorch', () => {
  for (const f of fixtures.crossEntropy) {
    it(f.name, async () => {
      const logits = tensor(f.logits.data, f.logits.shape, { requiresGrad: true });
      const labels = tensor(f.labels, [f.labels.length], { dtype: 'int32' });
      const loss = crossEntropy(logits, labels);
      expect(loss.shape).toEqual([]);
      expectClose([await loss.item()], [f.loss], 1e-5, 1e-6);
      loss.backward();
      expectClose(await values(logits.grad), f.glogits, 1e-4, 1e-6);
      expect(await countCorrect(logits, labels).item()).toBe(f.correct);
    });
  }
});

describe('crossEntropy against a float64 reference', () => {
  it('many rows, scaled upstream gradient, array labels', async () => {
    const n = 300;
    const c = 37;
    const xv = asF32(randomValues(n * c, 8, 5));
    const labels = Array.from(randomValues(n, 9), (v) => Math.floor(((v + 1) / 2) * c) % c);
    const ref = reference(xv, labels, n, c);
    const logits = tensor(xv, [n, c], { requiresGrad: true });
    const loss = crossEntropy(logits, labels);
    expectClose([await loss.item()], [ref.loss], 1e-5, 1e-6);
    mul(loss, 2.5).backward();
    expectClose(await values(logits.grad), ref.grad.map((v) => v * 2.5), 1e-4, 1e-7);
    const correct = countCorrect(logits, tensor(labels, [n], { dtype: 'int32' }));
    expect(correct.shape).toEqual([1]);
    expect(await correct.item()).toBe(ref.correct);
  });

  it('counts exactly on crafted logits', async () => {
    const logits = tensor([1, 5, 2, 9, 0, 0, 3, 3, 1], [3, 3]);
    expect(await countCorrect(logits, [1, 0, 0]).item()).toBe(3);
    expect(await countCorrect(logits, [2, 1, 1]).item()).toBe(0);
  });

  it('reports out-of-range labels held in a tensor at the next readback (they are checked on the GPU)', async () => {
    const logits = tensor([1, 2, 3, 4], [2, 2]);
    await expect(crossEntropy(logits, tensor([0, 2], [2], { dtype: 'int32' })).item()).rejects.toThrow(/crossEntropy: labels\[1\] = 2 is not a class index in \[0, 2\)/);
  });
});

describe('crossEntropy input checks', () => {
  it('rejects bad labels and logits, naming the argument and shapes, before any GPU work', () => {
    const logits = tensor(randomValues(12, 1), [4, 3]);
    const labels3 = tensor([0, 1, 2], [3], { dtype: 'int32' });
    const labelsF = tensor([0, 1, 2, 0], [4]);
    const before = runtime().counters.dispatches;
    expect(() => crossEntropy(logits, labels3)).toThrow(WebgradError);
    expect(() => crossEntropy(logits, labels3)).toThrow(/labels must be \[4\] for logits \[4, 3\], got \[3\]/);
    expect(() => crossEntropy(logits, labelsF)).toThrow(/labels must be int32, got float32/);
    expect(() => crossEntropy(logits, [0, 1, 3, 0])).toThrow(/labels\[2\] = 3 is not a class index in \[0, 3\) for logits \[4, 3\]/);
    expect(() => crossEntropy(logits, [0, 1, -1, 0])).toThrow(/labels\[2\] = -1/);
    expect(() => crossEntropy(logits, [0, 1])).toThrow(/labels has 2 entries but logits \[4, 3\] has 4 rows/);
    expect(() => crossEntropy(logits.reshape([12]), [0])).toThrow(/logits must be \[N, C\], got \[12\]/);
    expect(() => countCorrect(logits, labels3)).toThrow(/countCorrect: labels must be \[4\]/);
    expect(runtime().counters.dispatches).toBe(before);
  });
});

// Misuse: a WebgradError naming the argument and shapes, before any GPU work.
describe('softmax, losses', () => {
  it('rejects bad axes, dtypes, labels and shapes', () => {
    const x = tensor(randomValues(12, 1), [4, 3]);
    const ints = tensor([1, 2], [2], { dtype: 'int32' });
    const v3 = tensor([1, 2, 3]);
    const x41 = tensor(randomValues(4, 2), [4, 1]);
    rejects(() => wg.softmax(x, 2), /softmax: axis 2 is out of range for a tensor of rank 2/);
    rejects(() => wg.logSoftmax(ints, 0), /logSoftmax: x must be float32, got int32/);
    rejects(() => wg.nllLoss(x, [0, 1, 3, 0]), /nllLoss: labels\[2\] = 3 is not a class index in \[0, 3\)/);
    rejects(() => wg.nllLoss(x, [0, 1]), /nllLoss: labels has 2 entries but logProbs \[4, 3\] has 4 rows/);
    rejects(() => wg.nllLoss(v3, [0, 1, 2]), /nllLoss: logProbs must be \[N, C\], got \[3\]/);
    rejects(() => wg.mseLoss(x, x41), /mseLoss: a \[4, 3\] and b \[4, 1\] must have the same shape/);
  });
});
