/**
 * The first-run workloads of `npm run bench -- --warm-up`, each on webgrad and as the same work in
 * tfjs-webgpu: the README's first model (60 steps, each loss read), a digits-sized CNN's first
 * epoch (8×8 images, 1,437 samples, batch 32, Adam), and alexnet-small's first training step at
 * batch 32. Inputs are seeded pseudo-random values: what is timed is the work, not learning.
 */
import type * as tfjs from '@tensorflow/tfjs';
import { crossEntropy, nn, optim, tensor, tidy } from '../../src/index.js';
import { AlexNet } from '../../examples/alexnet-cifar/models.js';

export const WORKLOADS = ['readme', 'digits-cnn', 'alexnet-small'] as const;
export type Workload = (typeof WORKLOADS)[number];

export const DESCRIPTIONS: Record<Workload, string> = {
  readme: "README's first model: Linear 2→32, ReLU, Linear 32→4, SGD momentum, 60 steps of 256 points, each loss read",
  'digits-cnn': 'digits CNN, first epoch: conv 1→16, conv 16→32 (3×3), max-pool, Linear 512→64→10, Adam; 1,437 8×8 images, batch 32, each loss read',
  'alexnet-small': 'alexnet-small, first SGD step at batch 32 (3×32×32), loss read',
};

/** Deterministic values in [-1, 1). */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

const labelsOf = (n: number, classes: number): Int32Array => Int32Array.from({ length: n }, (_, i) => (i * 7 + 3) % classes);

const DIGITS = { samples: 1437, batch: 32, side: 8 };

/** One training run on webgrad (init() done); returns the last loss. */
export async function webgradWorkload(w: Workload): Promise<number> {
  if (w === 'readme') {
    const n = 256;
    const inputs = tensor(values(2 * n, 1), [n, 2]);
    const labels = labelsOf(n, 4);
    const model = new nn.Sequential(new nn.Linear(2, 32), new nn.ReLU(), new nn.Linear(32, 4));
    const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
    let value = 0;
    for (let step = 1; step <= 60; step++) {
      const loss = tidy(() => {
        opt.zeroGrad();
        const l = crossEntropy(model.forward(inputs), labels);
        l.backward();
        opt.step();
        return l;
      });
      value = await loss.item();
      loss.dispose();
    }
    inputs.dispose();
    opt.dispose();
    model.dispose();
    return value;
  }
  if (w === 'digits-cnn') {
    const { samples, batch, side } = DIGITS;
    const images = values(samples * side * side, 2);
    const labels = labelsOf(samples, 10);
    const model = new nn.Sequential(
      new nn.Conv2d(1, 16, 3, { padding: 1 }), new nn.ReLU(),
      new nn.Conv2d(16, 32, 3, { padding: 1 }), new nn.ReLU(),
      new nn.MaxPool2d(2), new nn.Flatten(),
      new nn.Linear(32 * 4 * 4, 64), new nn.ReLU(), new nn.Linear(64, 10),
    );
    const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
    let value = 0;
    for (let start = 0; start < samples; start += batch) {
      const b = Math.min(batch, samples - start);
      const x = tensor(images.subarray(start * side * side, (start + b) * side * side), [b, 1, side, side]);
      const loss = tidy(() => {
        opt.zeroGrad();
        const l = crossEntropy(model.forward(x), labels.subarray(start, start + b));
        l.backward();
        opt.step();
        return l;
      });
      value = await loss.item();
      loss.dispose();
      x.dispose();
    }
    opt.dispose();
    model.dispose();
    return value;
  }
  const batch = 32;
  const model = new AlexNet('alexnet-small', { init: 'kaiming', seed: 3, dropout: 0 });
  const opt = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9, weightDecay: 5e-4 });
  const x = tensor(values(batch * 3 * 32 * 32, 3), [batch, 3, 32, 32]);
  const loss = tidy(() => {
    opt.zeroGrad();
    const l = crossEntropy(model.forward(x), labelsOf(batch, 10));
    l.backward();
    opt.step();
    return l;
  });
  const value = await loss.item();
  loss.dispose();
  x.dispose();
  opt.dispose();
  model.dispose();
  return value;
}

/** The same training run in tfjs (its WebGPU backend ready); returns the last loss. */
export async function tfjsWorkload(tf: typeof tfjs, w: Workload): Promise<number> {
  const train = async (variables: tfjs.Variable[], optimizer: tfjs.Optimizer, steps: number, loss: (step: number) => tfjs.Scalar): Promise<number> => {
    let value = 0;
    for (let step = 0; step < steps; step++) {
      const l = tf.tidy(() => optimizer.minimize(() => loss(step), true, variables)!);
      value = (await l.data())[0];
      l.dispose();
    }
    return value;
  };
  const oneHot = (labels: Int32Array, classes: number) => tf.oneHot(tf.tensor1d(labels, 'int32'), classes).toFloat();
  const param = (shape: number[], scale: number) => tf.variable(tf.randomNormal(shape, 0, scale, 'float32', 5));
  const bias = (n: number) => tf.variable(tf.zeros([n]));
  if (w === 'readme') {
    const n = 256;
    const x = tf.tensor(values(2 * n, 1), [n, 2]);
    const y = oneHot(labelsOf(n, 4), 4);
    const p = [param([2, 32], 0.5), bias(32), param([32, 4], 0.2), bias(4)];
    const value = await train(p, tf.train.momentum(0.1, 0.9), 60, () =>
      tf.losses.softmaxCrossEntropy(y, tf.relu(x.matMul(p[0]).add(p[1])).matMul(p[2]).add(p[3])) as tfjs.Scalar);
    tf.dispose([x, y, ...p]);
    return value;
  }
  if (w === 'digits-cnn') {
    const { samples, batch, side } = DIGITS;
    const images = values(samples * side * side, 2);
    const labels = labelsOf(samples, 10);
    const p = [param([3, 3, 1, 16], 0.3), bias(16), param([3, 3, 16, 32], 0.1), bias(32), param([512, 64], 0.05), bias(64), param([64, 10], 0.1), bias(10)];
    const steps = Math.ceil(samples / batch);
    const value = await train(p, tf.train.adam(1e-3), steps, (step) => {
      const start = step * batch;
      const b = Math.min(batch, samples - start);
      const x = tf.tensor(images.subarray(start * side * side, (start + b) * side * side), [b, side, side, 1]) as tfjs.Tensor4D;
      let h = tf.relu(tf.conv2d(x, p[0] as tfjs.Tensor4D, 1, 'same').add(p[1])) as tfjs.Tensor4D;
      h = tf.relu(tf.conv2d(h, p[2] as tfjs.Tensor4D, 1, 'same').add(p[3])) as tfjs.Tensor4D;
      h = tf.maxPool(h, 2, 2, 'valid');
      const f = tf.relu(h.reshape([b, -1]).matMul(p[4]).add(p[5])).matMul(p[6]).add(p[7]);
      return tf.losses.softmaxCrossEntropy(oneHot(labels.subarray(start, start + b), 10), f) as tfjs.Scalar;
    });
    tf.dispose(p);
    return value;
  }
  // alexnet-small as bench/cases/training.ts writes it in tfjs (NHWC), one momentum step.
  const batch = 32;
  const c = [64, 192, 384, 256, 256];
  const p = [
    param([5, 5, 3, c[0]], 0.1), bias(c[0]), param([5, 5, c[0], c[1]], 0.03), bias(c[1]),
    param([3, 3, c[1], c[2]], 0.03), bias(c[2]), param([3, 3, c[2], c[3]], 0.02), bias(c[3]),
    param([3, 3, c[3], c[4]], 0.03), bias(c[4]),
    param([2304, 1024], 0.03), bias(1024), param([1024, 1024], 0.04), bias(1024), param([1024, 10], 0.04), bias(10),
  ];
  const x = tf.tensor(values(batch * 3 * 32 * 32, 3), [batch, 3, 32, 32]).transpose([0, 2, 3, 1]) as tfjs.Tensor4D;
  const y = oneHot(labelsOf(batch, 10), 10);
  const lrn = (t: tfjs.Tensor4D) => tf.localResponseNormalization(t, 2, 2, 1e-4 / 5, 0.75);
  const pool = (t: tfjs.Tensor4D) => tf.maxPool(t, 3, 2, 'valid');
  const conv = (t: tfjs.Tensor4D, i: number, pad: number) => tf.relu(tf.conv2d(t, p[2 * i] as tfjs.Tensor4D, 1, pad).add(p[2 * i + 1])) as tfjs.Tensor4D;
  const value = await train(p, tf.train.momentum(0.01, 0.9), 1, () => {
    let h = pool(lrn(conv(x, 0, 2)));
    h = pool(lrn(conv(h, 1, 2)));
    h = pool(conv(conv(conv(h, 2, 1), 3, 1), 4, 1));
    let f = tf.relu(h.reshape([batch, -1]).matMul(p[10]).add(p[11]));
    f = tf.relu(f.matMul(p[12]).add(p[13]));
    return tf.losses.softmaxCrossEntropy(y, f.matMul(p[14]).add(p[15])) as tfjs.Scalar;
  });
  tf.dispose([x, y, ...p]);
  return value;
}
