// A new user's first task, written as they would write it in PyTorch: a small CNN on 8×8 digit-like
// images (synthesised here, as scikit-learn's digits: 4 classes of strokes with noise), batched by a
// DataLoader over a Dataset of their own, the functional forms, Adam; it must beat chance by far.
import { beforeAll, describe, expect, it } from 'vitest';
import { argmax, conv2d, crossEntropy, data, flatten, linear, manualSeed, maxPool2d, memory, nn, noGrad, optim, relu, tidy, type Tensor } from '../../src/index.js';
import { mulberry32 } from '../../src/data/shuffle.js';
import { setupDevice } from '../helpers.js';

beforeAll(setupDevice);

/** n images [1, 8, 8] in [0, 1] of 4 classes: a box, a vertical bar, a horizontal bar, a diagonal; each moved and noisy. */
class Digits implements data.Dataset {
  readonly images: Float32Array[] = [];
  readonly labels: number[] = [];

  constructor(readonly length: number, seed: number) {
    const random = mulberry32(seed);
    const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
    for (let i = 0; i < length; i++) {
      const label = i % 4;
      const img = Float32Array.from({ length: 64 }, () => 0.25 * random());
      const set = (r: number, c: number) => (img[r * 8 + c] = 0.6 + 0.4 * random());
      const [a, b] = [int(1, 3), int(4, 6)];
      for (let k = a; k <= b; k++) {
        if (label === 0) [set(a, k), set(b, k), set(k, a), set(k, b)];
        if (label === 1) set(k, a + 1);
        if (label === 2) set(a + 1, k);
        if (label === 3) set(k, k - a + int(0, 1));
      }
      this.images.push(img);
      this.labels.push(label);
    }
  }

  get(i: number): [data.HostArray, number] {
    return [{ data: this.images[i], shape: [1, 8, 8] }, this.labels[i]];
  }
}

class Net extends nn.Module {
  conv1 = this.addModule('conv1', new nn.Conv2d(1, 8, 3, { padding: 1 }));
  conv2 = this.addModule('conv2', new nn.Conv2d(8, 16, 3, { padding: 1 }));
  fc = this.addModule('fc', new nn.Linear(16 * 2 * 2, 4));

  forward(x: Tensor): Tensor {
    x = maxPool2d(relu(conv2d(x, this.conv1.weight, this.conv1.bias, { padding: 1 })), 2);
    x = maxPool2d(relu(this.conv2.forward(x)), 2);
    return linear(flatten(x, 1), this.fc.weight, this.fc.bias);
  }
}

describe("a user's day: digits", () => {
  it('a small CNN trained with DataLoader and Adam reaches well above chance (25%) on held-out images', async () => {
    manualSeed(0);
    const train = new data.DataLoader(new Digits(320, 1), { batchSize: 32, shuffle: true });
    const test = new data.DataLoader(new Digits(80, 2), { batchSize: 40 });
    const model = new Net();
    const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
    const live: number[] = [];
    for (let epoch = 0; epoch < 4; epoch++) {
      for await (const [x, y] of train) {
        tidy(() => {
          opt.zeroGrad();
          crossEntropy(model.forward(x), y).backward();
          opt.step();
        });
      }
      live.push(memory().liveBuffers);
    }
    // Nothing accumulates from epoch to epoch (the first creates the optimizer's state).
    expect(new Set(live.slice(1)).size).toBe(1);
    model.eval();
    let correct = 0;
    for await (const [x, y] of test) {
      const hits = noGrad(() => tidy(() => argmax(model.forward(x), 1).eq(y).float().sum()));
      correct += await hits.item();
      hits.dispose();
    }
    expect(correct / 80).toBeGreaterThanOrEqual(0.9);
    opt.dispose();
    model.dispose();
  }, 120_000);
});
