import { beforeAll, describe, expect, it } from 'vitest';
import { countCorrect, crossEntropy, memory, nn, optim, tensor, tidy, withPolicy, type Tensor } from '../../src/index.js';
import { runtime } from '../../src/device/current.js';
import { randomValues, setupDevice } from '../helpers.js';

beforeAll(setupDevice);

// Training steps take milliseconds here; the time goes to compiling each kernel on first use,
// seconds each on lavapipe when Mesa's shader cache is cold.
const COMPILES = 300_000;

/** XOR of quadrants: label 1 where x·y > 0, points kept 0.1 away from the axes. Needs a hidden layer. */
function quadrants(n: number, seed: number): { x: Float32Array; labels: number[] } {
  const u = randomValues(2 * n, seed);
  const x = new Float32Array(2 * n);
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = Math.sign(u[2 * i]) * (0.1 + 0.9 * Math.abs(u[2 * i]));
    const b = Math.sign(u[2 * i + 1]) * (0.1 + 0.9 * Math.abs(u[2 * i + 1]));
    x.set([a, b], 2 * i);
    labels.push(a * b > 0 ? 1 : 0);
  }
  return { x, labels };
}

/** 8×8 images of horizontal (class 0) or vertical (class 1) stripes, random phase, plus noise. */
function stripes(n: number, seed: number): { x: Float32Array; labels: number[] } {
  const noise = randomValues(n * 64, seed, 0.3);
  const choice = randomValues(2 * n, seed + 1);
  const x = new Float32Array(n * 64);
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const label = choice[2 * i] > 0 ? 1 : 0;
    const phase = choice[2 * i + 1] > 0 ? 1 : 0;
    for (let r = 0; r < 8; r++) {
      for (let c = 0; c < 8; c++) {
        const on = ((label === 0 ? r : c) + phase) % 2 === 0;
        x[i * 64 + r * 8 + c] = (on ? 1 : -1) + noise[i * 64 + r * 8 + c];
      }
    }
    labels.push(label);
  }
  return { x, labels };
}

/** PyTorch's loop order: zero grads, forward, backward, step; every intermediate freed by tidy. */
function trainStep(model: nn.Module, opt: optim.SGD, x: Tensor, labels: Tensor): void {
  tidy(() => {
    opt.zeroGrad();
    const loss = crossEntropy(model.forward(x), labels);
    loss.backward();
    opt.step();
  });
}

async function accuracy(model: nn.Module, x: Tensor, labels: Tensor): Promise<number> {
  model.eval();
  const correct = tidy(() => countCorrect(model.forward(x), labels));
  const value = await correct.item();
  correct.dispose();
  model.train();
  return value / labels.size;
}

describe('training with SGD', () => {
  it('an MLP learns XOR of quadrants to >= 95% training accuracy', async () => {
    const n = 200;
    const data = quadrants(n, 1);
    const x = tensor(data.x, [n, 2]);
    const labels = tensor(data.labels, [n], { dtype: 'int32' });
    const model = new nn.Sequential(new nn.Linear(2, 32, { seed: 2 }), new nn.ReLU(), new nn.Linear(32, 2, { seed: 3 }));
    const opt = new optim.SGD(model.parameters(), { lr: 0.2, momentum: 0.9 });
    const before = await accuracy(model, x, labels);
    for (let step = 0; step < 300; step++) trainStep(model, opt, x, labels);
    const after = await accuracy(model, x, labels);
    expect(before).toBeLessThan(0.8);
    expect(after).toBeGreaterThanOrEqual(0.95);
    opt.dispose();
    model.dispose();
    x.dispose();
    labels.dispose();
  }, COMPILES);

  it('a small conv net tells horizontal from vertical stripes (>= 95%)', async () => {
    const n = 64;
    const data = stripes(n, 5);
    const x = tensor(data.x, [n, 1, 8, 8]);
    const labels = tensor(data.labels, [n], { dtype: 'int32' });
    const model = new nn.Sequential(
      new nn.Conv2d(1, 4, 3, { padding: 1, seed: 6 }),
      new nn.ReLU(),
      new nn.MaxPool2d(2),
      new nn.Flatten(),
      new nn.Linear(4 * 4 * 4, 2, { seed: 7 }),
    );
    const opt = new optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9, weightDecay: 1e-4 });
    for (let step = 0; step < 60; step++) trainStep(model, opt, x, labels);
    expect(await accuracy(model, x, labels)).toBeGreaterThanOrEqual(0.95);
    opt.dispose();
    model.dispose();
    x.dispose();
    labels.dispose();
  }, COMPILES);

  it('keeps live GPU buffers and bytes flat over 50 steps, and creates no buffer or texture after the first', async () => {
    // Every product on the texture GEMM, whose operand textures come from a pool of their own.
    const rt = runtime();
    const n = 32;
    const data = quadrants(n, 9);
    const x = tensor(data.x, [n, 2]);
    const labels = tensor(data.labels, [n], { dtype: 'int32' });
    const model = new nn.Sequential(
      new nn.Linear(2, 16, { seed: 10 }),
      new nn.ReLU(),
      new nn.Dropout(0.2, { seed: 11 }),
      new nn.Linear(16, 2, { seed: 12 }),
    );
    const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9, nesterov: true });
    const live: [number, number][] = [];
    const created: [number, number][] = [];
    withPolicy({ gemm: 'texture', textureGemm: { costScale: 0 }, smallGemmMacs: 0 }, () => {
      for (let step = 0; step < 50; step++) {
        trainStep(model, opt, x, labels);
        const m = memory();
        live.push([m.liveBuffers, m.liveBytes]);
        expect(m.textures.liveTextures).toBe(0);
        created.push([rt.bufferPool.created, rt.textures.created]);
      }
    });
    for (let step = 5; step < 50; step++) expect(live[step], `step ${step}`).toEqual(live[4]);
    // And the pools hand back the buffers and textures of the step before: none is created after the first steps.
    expect(created[4][1]).toBeGreaterThan(0);
    expect(created[49]).toEqual(created[4]);
    opt.dispose();
    model.dispose();
    x.dispose();
    labels.dispose();
  }, COMPILES);
});
