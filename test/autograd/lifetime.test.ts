// Graph lifetime: what a returned tensor's backward needs outlives tidy(), and is freed after.
import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../src/index.js';
import { expectClose, randomValues, setupDevice } from '../helpers.js';

beforeAll(setupDevice);

const live = () => wg.memory().liveBuffers;

function tinyModel(): wg.nn.Sequential {
  return new wg.nn.Sequential(new wg.nn.Linear(3, 4, { seed: 1 }), new wg.nn.ReLU(), new wg.nn.Linear(4, 2, { seed: 2 }));
}

describe('graph lifetime', () => {
  it('tidy(() => crossEntropy(model.forward(x), y)).backward() gives the gradients of the step written inside the tidy', async () => {
    const model = tinyModel();
    const x = wg.tensor(Float32Array.from(randomValues(12, 3)), [4, 3]);
    const labels = [0, 1, 1, 0];
    // Reference: backward inside the tidy (the README's step).
    wg.tidy(() => wg.crossEntropy(model.forward(x), labels).backward());
    const expected = await Promise.all(model.parameters().map((p) => p.grad!.toArray()));
    model.zeroGrad();

    const before = live();
    const loss = wg.tidy(() => wg.crossEntropy(model.forward(x), labels));
    expect(live()).toBeGreaterThan(before + 1); // the intermediates are held by loss
    loss.backward();
    // Only the loss and the 4 gradients remain.
    expect(live()).toBe(before + 1 + 4);
    const got = await Promise.all(model.parameters().map((p) => p.grad!.toArray()));
    got.forEach((g, i) => expectClose(g, expected[i]));
    loss.dispose();
    model.zeroGrad();
    expect(live()).toBe(before);
    model.dispose();
    x.dispose();
  });

  it('a held graph is freed when its root is disposed without backward()', () => {
    const model = tinyModel();
    const x = wg.rand([5, 3], { seed: 4 });
    const before = live();
    const out = wg.tidy(() => wg.sum(model.forward(x)));
    expect(live()).toBeGreaterThan(before + 1);
    out.dispose();
    expect(live()).toBe(before);
    model.dispose();
    x.dispose();
  });

  it('nested tidies: the inner result and its intermediates are held by the outer loss, then freed by backward()', async () => {
    const w = wg.tensor([1, 2, 3], [3], { requiresGrad: true });
    const before = live();
    const loss = wg.tidy(() => {
      const h = wg.tidy(() => wg.exp(wg.mul(w, 2)));
      return wg.sum(wg.mul(h, h));
    });
    loss.backward();
    expect(live()).toBe(before + 2); // loss and w.grad
    // d/dw Σ exp(2w)² = 4 exp(4w)
    expectClose(await w.grad!.toArray(), [1, 2, 3].map((v) => 4 * Math.exp(4 * v)), 1e-5);
    loss.dispose();
    w.dispose();
  });

  it('a loop of tidy-returned losses and backward() keeps memory flat', async () => {
    const model = tinyModel();
    const opt = new wg.optim.SGD(model.parameters(), { lr: 0.1 });
    const x = wg.rand([4, 3], { seed: 5 });
    const counts: number[] = [];
    for (let i = 0; i < 20; i++) {
      opt.zeroGrad();
      const loss = wg.tidy(() => wg.crossEntropy(model.forward(x), [0, 1, 0, 1]));
      loss.backward();
      opt.step();
      if (i === 19) expect(Number.isFinite(await loss.item())).toBe(true);
      loss.dispose();
      counts.push(live());
    }
    expect(new Set(counts.slice(2)).size).toBe(1);
    model.dispose();
    x.dispose();
  });

  it('a conv net (saved pooling indices, dropout, LRN) trained PyTorch-style: same gradients as inside the tidy, flat memory', async () => {
    const net = new wg.nn.Sequential(
      new wg.nn.Conv2d(2, 3, 3, { padding: 1, seed: 3 }),
      new wg.nn.ReLU(),
      new wg.nn.LocalResponseNorm(3),
      new wg.nn.MaxPool2d(2),
      new wg.nn.Flatten(),
      new wg.nn.Dropout(0.5, { seed: 9 }),
      new wg.nn.Linear(12, 4, { seed: 4 }),
    );
    const x = wg.tensor(Float32Array.from(randomValues(2 * 2 * 4 * 4, 8)), [2, 2, 4, 4]);
    const labels = wg.tensor([1, 3], [2], { dtype: 'int32' });
    const dropout = net.at(5) as wg.nn.Dropout;
    dropout.masksDrawn = 0;
    wg.tidy(() => wg.crossEntropy(net.forward(x), labels).backward());
    const expected = await Promise.all(net.parameters().map((p) => p.grad!.toArray()));
    net.zeroGrad();
    dropout.masksDrawn = 0; // the same mask again
    const counts: number[] = [];
    for (let i = 0; i < 4; i++) {
      if (i > 0) net.zeroGrad();
      const loss = wg.tidy(() => wg.crossEntropy(net.forward(x), labels));
      loss.backward();
      if (i === 0) {
        const got = await Promise.all(net.parameters().map((p) => p.grad!.toArray()));
        got.forEach((g, k) => expectClose(g, expected[k], 1e-5, 1e-6));
      }
      loss.dispose();
      counts.push(live());
    }
    expect(new Set(counts).size).toBe(1);
    net.dispose();
    x.dispose();
    labels.dispose();
  });

  it('backward() a second time is refused as PyTorch does; retainGraph allows it and accumulates', async () => {
    const w = wg.tensor([1, 2], [2], { requiresGrad: true });
    const loss = wg.sum(wg.mul(w, w));
    loss.backward();
    expect(() => loss.backward()).toThrow(/backward through the graph a second time.*retainGraph/);
    expect(() => loss.backward()).toThrow(wg.WebgradError);
    expectClose(await w.grad!.toArray(), [2, 4]);
    loss.dispose();

    const loss2 = wg.sum(wg.mul(w, w));
    loss2.backward(null, { retainGraph: true });
    loss2.backward();
    expectClose(await w.grad!.toArray(), [6, 12]);
    expect(() => loss2.backward()).toThrow(/second time/);
    loss2.dispose();
    w.dispose();
  });

  it('an intermediate of a spent graph refuses a backward() through it', () => {
    const w = wg.tensor([1, 2], [2], { requiresGrad: true });
    const h = wg.mul(w, 3);
    const loss = wg.sum(h);
    loss.backward();
    const again = wg.sum(wg.mul(h, 2));
    expect(() => again.backward()).toThrow(/second time/);
    for (const t of [w, h, loss, again]) t.dispose();
  });

  it('an input disposed before backward() is named, with its op, at the backward() call', () => {
    const w = wg.tensor([1, 2], [2], { requiresGrad: true });
    const x = wg.tensor([3, 4], [2]);
    const y = wg.sum(wg.mul(x, w));
    x.dispose();
    expect(() => y.backward()).toThrow(/input 0 \(shape \[2\]\) of mul was disposed before backward\(\)/);
    const h = wg.exp(w);
    const z = wg.sum(h);
    h.dispose();
    expect(() => z.backward()).toThrow(/input 0 \(shape \[2\]\) of sum was disposed/);
    expect(w.grad).toBeNull();
    for (const t of [w, y, z]) t.dispose();
  });

  it('tidy(async) and noGrad(async) are refused with a WebgradError', async () => {
    expect(() => wg.tidy((async () => wg.ones([1])) as unknown as () => wg.Tensor)).toThrow(wg.WebgradError);
    expect(() => wg.tidy((async () => 1) as unknown as () => number)).toThrow(/tidy\(\) takes a synchronous function/);
    expect(() => wg.noGrad(async () => 1)).toThrow(wg.WebgradError);
    expect(() => wg.noGrad(async () => 1)).toThrow(/noGrad\(\) takes a synchronous function/);
    // Grad mode is back on afterwards.
    const w = wg.tensor([1], [1], { requiresGrad: true });
    const y = wg.mul(w, 2);
    expect(y.requiresGrad).toBe(true);
    y.dispose();
    w.dispose();
  });

  it('Tensor.reshape (the method) is differentiable, as the reshape op', async () => {
    const x = wg.tensor([1, 2, 3, 4], [2, 2], { requiresGrad: true });
    const w = wg.tensor([5, 6, 7, 8]);
    const y = wg.sum(wg.mul(x.reshape([4]), w));
    y.backward();
    expect(x.grad!.shape).toEqual([2, 2]);
    expectClose(await x.grad!.toArray(), [5, 6, 7, 8]);
    const z = wg.sum(wg.mul(wg.reshape(x, [-1]), w));
    z.backward();
    expectClose(await x.grad!.toArray(), [10, 12, 14, 16]);
    for (const t of [x, w, y, z]) t.dispose();
  });
});
