// Ops whose backward reads tensors besides its inputs (made inside the op or inside the caller's
// tidy) must own them as `saved`, so that tidy(() => loss).backward() and a retained graph work.
import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../src/index.js';
import { expectClose, randomValues, setupDevice } from '../helpers.js';

beforeAll(setupDevice);

const live = () => wg.memory().liveBuffers;

/** The gradient of x from `f` built inside a tidy() that returns the loss, then backward() outside (twice, with retainGraph). */
async function gradOutsideTidy(x: wg.Tensor, f: () => wg.Tensor): Promise<Float32Array> {
  const before = live();
  const loss = wg.tidy(f);
  loss.backward(undefined, { retainGraph: true });
  x.grad!.dispose();
  x.grad = null;
  loss.backward();
  const got = (await x.grad!.toArray()) as Float32Array;
  x.grad!.dispose();
  x.grad = null;
  loss.dispose();
  expect(live()).toBe(before);
  return got;
}

/** The same gradient with backward() run inside the tidy (the reference). */
async function gradInsideTidy(x: wg.Tensor, f: () => wg.Tensor): Promise<Float32Array> {
  wg.tidy(() => f().backward());
  const got = (await x.grad!.toArray()) as Float32Array;
  x.grad!.dispose();
  x.grad = null;
  return got;
}

async function expectSameGrad(x: wg.Tensor, f: () => wg.Tensor): Promise<void> {
  const expected = await gradInsideTidy(x, f);
  expect(expected.some((v) => v !== 0)).toBe(true);
  expectClose(await gradOutsideTidy(x, f), expected);
}

describe('backward outside the tidy that built the graph', () => {
  it('batchNorm in training without weight or bias', async () => {
    const x = wg.tensor(Float32Array.from(randomValues(2 * 3 * 2 * 2, 1)), [2, 3, 2, 2], { requiresGrad: true });
    const w = wg.tensor(Float32Array.from(randomValues(2 * 3 * 2 * 2, 2)), [2, 3, 2, 2]);
    await expectSameGrad(x, () => wg.sum(wg.mul(wg.batchNorm(x, null, null, null, null, { training: true }), w)));
    x.dispose();
    w.dispose();
  });

  it('nn.BatchNorm2d', async () => {
    const x = wg.tensor(Float32Array.from(randomValues(2 * 3 * 2 * 2, 3)), [2, 3, 2, 2], { requiresGrad: true });
    const w = wg.tensor(Float32Array.from(randomValues(2 * 3 * 2 * 2, 4)), [2, 3, 2, 2]);
    const bn = new wg.nn.BatchNorm2d(3);
    await expectSameGrad(x, () => wg.sum(wg.mul(bn.forward(x), w)));
    bn.dispose();
    x.dispose();
    w.dispose();
  });

  it('batchNorm with nothing recorded leaks nothing', () => {
    const x = wg.tensor(Float32Array.from(randomValues(2 * 3 * 2, 5)), [2, 3, 2]);
    const before = live();
    wg.batchNorm(x, null, null, null, null, { training: true }).dispose();
    expect(live()).toBe(before);
    x.dispose();
  });
});

describe('nllLoss', () => {
  const values = Float32Array.from(randomValues(4 * 3, 7));
  const expectedGrad = (labels: number[]) => {
    const g = new Float64Array(4 * 3);
    labels.forEach((l, r) => (g[r * 3 + l] = -1 / 4));
    return g;
  };

  it('labels given as numbers or as a tensor made inside the tidy', async () => {
    const x = wg.tensor(values, [4, 3], { requiresGrad: true });
    const labels = [0, 2, 1, 2];
    expectClose(await gradOutsideTidy(x, () => wg.nllLoss(x, labels)), expectedGrad(labels));
    expectClose(await gradOutsideTidy(x, () => wg.nllLoss(x, wg.tensor(labels, [4], { dtype: 'int32' }))), expectedGrad(labels));
    x.dispose();
  });

  it('of no rows is NaN, as PyTorch', async () => {
    const x = wg.zeros([0, 3]);
    const loss = wg.nllLoss(x, []);
    expect(await loss.item()).toBeNaN();
    loss.dispose();
    x.dispose();
  });

  it('an int32 label out of range is reported at the next readback, which then works again', async () => {
    const x = wg.tensor(values, [4, 3]);
    const labels = wg.tensor([0, 1, -1, 2], [4], { dtype: 'int32' });
    const loss = wg.nllLoss(x, labels);
    await expect(loss.item()).rejects.toThrow(/nllLoss: labels\[2\] = -1 is not a class index in \[0, 3\)/);
    expect(await loss.item()).toBeNaN();
    loss.dispose();
    labels.dispose();
    x.dispose();
  });
});

describe('where', () => {
  it('sum(where(gt(x, 0), x, 0)) in a tidy, backward() outside', async () => {
    const v = Float32Array.from(randomValues(7, 11));
    const x = wg.tensor(v, [7], { requiresGrad: true });
    const got = await gradOutsideTidy(x, () => wg.sum(wg.where(wg.gt(x, 0), x, 0)));
    expectClose(got, Array.from(v, (e) => (e > 0 ? 1 : 0)));
    x.dispose();
  });

  it('outside any tidy, the operands made from numbers are freed with the graph', () => {
    const x = wg.tensor(Float32Array.from(randomValues(5, 12)), [5], { requiresGrad: true });
    const before = live();
    const mask = wg.gt(x, 0);
    const y = wg.where(mask, x, 0);
    const loss = wg.sum(y);
    loss.backward();
    for (const t of [mask, y, loss, x.grad!]) t.dispose();
    x.grad = null;
    expect(live()).toBe(before);
    x.dispose();
  });
});

describe('element-wise ops with a number operand', () => {
  it('free the scalar made from the number, recorded or not', () => {
    const x = wg.tensor(Float32Array.from(randomValues(3, 13)), [3], { requiresGrad: true });
    const before = live();
    wg.gt(x, 0).dispose();
    const doubled = wg.mul(x, 2);
    const loss = wg.sum(doubled);
    loss.backward();
    loss.dispose();
    doubled.dispose();
    x.grad!.dispose();
    x.grad = null;
    expect(live()).toBe(before);
    x.dispose();
  });
});

describe('stack', () => {
  it('recorded outside a tidy: right values and gradients, and nothing left once all is disposed', async () => {
    const before = live();
    const xv = Float32Array.from(randomValues(6, 21));
    const yv = Float32Array.from(randomValues(6, 22));
    const wv = Float32Array.from(randomValues(12, 23));
    const x = wg.tensor(xv, [2, 3], { requiresGrad: true });
    const y = wg.tensor(yv, [2, 3], { requiresGrad: true });
    const w = wg.tensor(wv, [2, 2, 3]);
    const s = wg.stack([x, y], 1);
    expect(s.shape).toEqual([2, 2, 3]);
    // s[i, 0, j] = x[i, j], s[i, 1, j] = y[i, j]
    const expected = new Float64Array(12);
    const gx = new Float64Array(6);
    const gy = new Float64Array(6);
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 3; j++) {
        expected[i * 6 + j] = xv[i * 3 + j];
        expected[i * 6 + 3 + j] = yv[i * 3 + j];
        gx[i * 3 + j] = wv[i * 6 + j];
        gy[i * 3 + j] = wv[i * 6 + 3 + j];
      }
    }
    expectClose(await s.toArray(), expected, 0, 0);
    const weighted = wg.mul(s, w);
    const loss = wg.sum(weighted);
    loss.backward();
    expectClose(await x.grad!.toArray(), gx, 0, 0);
    expectClose(await y.grad!.toArray(), gy, 0, 0);
    for (const t of [x, y, w, s, weighted, loss]) t.dispose();
    expect(live()).toBe(before);
  });
});
