/**
 * The whole training step: alexnet-small, alexnet and alexnet-seed (examples/alexnet-cifar) forward, cross-entropy,
 * backward and SGD with momentum 0.9 and weight decay 5e-4, on webgrad and on the same network
 * written with tfjs ops (NHWC, its native layout) from the same initial weights and data.
 * Dropout is off on both sides (their masks could not match). The checked result is the loss
 * of the first step, which both sides compute from identical weights.
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { BenchCase, Side } from '../case.js';
import { crossEntropy, keep, nn, optim, tensor, tidy, type Tensor } from '../../src/index.js';
import { INPUT_SIZE, OUTPUTS, createModel, forwardFlops, type ModelName } from '../../examples/alexnet-cifar/models.js';
import { values } from './gemm.js';

const LR = 0.01;
const MOMENTUM = 0.9;
const WEIGHT_DECAY = 5e-4;

type Weights = Record<string, { shape: number[]; data: Float32Array }>;

/** The model's initial weights, read back, for the tfjs side to start from. */
async function readWeights(model: nn.Module): Promise<Weights> {
  const out: Weights = {};
  for (const [name, t] of Object.entries(model.stateDict())) out[name] = { shape: [...t.shape], data: (await t.toArray()) as Float32Array };
  return out;
}

/**
 * webgrad's side of a training-step case: each run is one SGD step of `model` on (x, labels); the
 * result is the first step's loss. It owns x, the model and the optimizer.
 */
function sgdSteps(model: nn.Module, x: Tensor, labels: Int32Array): Side {
  const opt = new optim.SGD(model.parameters(), { lr: LR, momentum: MOMENTUM, weightDecay: WEIGHT_DECAY });
  let first: Tensor | null = null;
  let last: Tensor | null = null;
  return {
    run() {
      last?.dispose();
      last = tidy(() => {
        opt.zeroGrad();
        const loss = crossEntropy(model.forward(x), labels);
        loss.backward();
        opt.step();
        return loss;
      });
      if (!first) {
        first = last;
        last = null;
      }
    },
    result: async () => Float32Array.from(await first!.toArray()),
    dispose() {
      first?.dispose();
      last?.dispose();
      x.dispose();
      opt.dispose();
      model.dispose();
    },
  };
}

/**
 * tfjs's side of a training-step case: each run is one momentum step on the cross-entropy of
 * `logits()` against the one-hot y. tfjs's momentum optimizer has no weight decay: PyTorch's
 * (gradient + wd·p) comes from adding wd/2·Σp² to the loss; the result is the first step's
 * cross-entropy alone. It owns the variables, x and y.
 */
function tfjsMomentumSteps(tf: typeof tfjs, variables: tfjs.Variable[], x: tfjs.Tensor, y: tfjs.Tensor, logits: () => tfjs.Tensor): Side {
  const optimizer = tf.train.momentum(LR, MOMENTUM);
  let first: tfjs.Tensor | null = null;
  return {
    run() {
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => {
          const ce = tf.losses.softmaxCrossEntropy(y, logits());
          if (!first) first = tf.keep(ce.clone());
          const l2 = variables.map((v) => v.square().sum()).reduce((a, b) => a.add(b)).mul(WEIGHT_DECAY / 2);
          return ce.add(l2) as tfjs.Scalar;
        });
        optimizer.applyGradients(grads as unknown as tfjs.NamedTensorMap as never);
        return value;
      });
    },
    result: async () => Float32Array.from(await first!.data()),
    dispose() {
      first?.dispose();
      x.dispose();
      y.dispose();
      optimizer.dispose();
      for (const v of variables) v.dispose();
    },
  };
}

/**
 * PyTorch's F.local_response_norm(size, alpha 1e-4, beta 0.75, k 2) on NHWC in tfjs: its LRN op
 * (depth radius r, alpha / size) where the window is odd; for an even one, which PyTorch places over
 * channels c − size/2 … c + (size − 1)/2 (zeros beyond the edges), the window sums of x² as
 * differences of a cumulative sum over zero-padded channels.
 */
export function tfjsLrn(tf: typeof tfjs, x: tfjs.Tensor4D, size: number): tfjs.Tensor4D {
  const [alpha, beta, k] = [1e-4, 0.75, 2];
  if (size % 2 === 1) return tf.localResponseNormalization(x, (size - 1) / 2, k, alpha / size, beta);
  const channels = x.shape[3];
  const before = Math.floor(size / 2);
  const after = Math.floor((size - 1) / 2);
  // padded[i] = x²[i − before − 1]: the sum over c's window is cum[c + size] − cum[c].
  const cum = tf.cumsum(tf.pad(x.square(), [[0, 0], [0, 0], [0, 0], [before + 1, after]]), 3);
  const [n, h, w] = x.shape;
  const sums = cum.slice([0, 0, 0, size], [n, h, w, channels]).sub(cum.slice([0, 0, 0, 0], [n, h, w, channels]));
  return x.div(sums.mul(alpha / size).add(k).pow(beta)) as tfjs.Tensor4D;
}

export function trainingStepCase(modelName: ModelName, batch: number, quick: boolean): BenchCase {
  const size = INPUT_SIZE[modelName];
  // alexnet-seed is the reference's program (state-dict names mode1.N), with PyTorch's
  // initialisation and LRN over 96 and 256 channels: an even window, which tfjs's
  // localResponseNormalization (2r + 1 channels) cannot express, so its tfjs side builds it from ops.
  const seed = modelName === 'alexnet-seed';
  const names = seed
    ? { convs: ['mode1.0', 'mode1.4', 'mode1.8', 'mode1.10', 'mode1.12'], fcs: ['mode1.16', 'mode1.19', 'mode1.22'], lrn: [96, 256] }
    : { convs: ['features.0', 'features.4', 'features.8', 'features.10', 'features.12'], fcs: ['classifier.0', 'classifier.3', 'classifier.6'], lrn: [5, 5] };
  const inputs = values(batch * 3 * size * size, 7);
  const labels = Int32Array.from({ length: batch }, (_, i) => (i * 7) % 10);
  let weights: Weights | null = null;

  return {
    group: 'training',
    name: `${modelName} step b${batch}`,
    shape: `[${batch},3,${size},${size}] → ${OUTPUTS[modelName]}`,
    // Backward costs about twice the forward.
    flops: 3 * forwardFlops(modelName) * batch,
    rtol: 1e-3,
    quick,
    async webgrad(): Promise<Side> {
      const model = createModel(modelName, { init: seed ? 'torch' : 'kaiming', seed: 3, dropout: 0 });
      weights = await readWeights(model);
      return sgdSteps(model, keep(tensor(inputs, [batch, 3, size, size])), labels);
    },
    async tfjs(tf: typeof tfjs): Promise<Side> {
      if (!weights) throw new Error('the webgrad side runs first and provides the initial weights');
      const w = weights;
      // webgrad's conv weight [out, in, kh, kw] is tfjs's filter [kh, kw, in, out].
      const conv = (name: string) => tf.variable(tf.tensor(w[name].data, w[name].shape).transpose([2, 3, 1, 0]));
      const bias = (name: string) => tf.variable(tf.tensor(w[name].data, w[name].shape));
      // Linear weight [out, in] is tfjs's kernel [in, out]; the first FC also reorders its inputs
      // from webgrad's NCHW flattening (c, h, w) to tfjs's NHWC one (h, w, c).
      const fc = (name: string, channels?: number) => {
        const [out, inp] = w[name].shape;
        let k = tf.tensor(w[name].data, [out, inp]);
        if (channels) {
          const side = Math.round(Math.sqrt(inp / channels));
          k = k.reshape([out, channels, side, side]).transpose([2, 3, 1, 0]).reshape([inp, out]);
        } else {
          k = k.transpose();
        }
        return tf.variable(k);
      };
      const [c1, c2, c3, c4, c5] = names.convs;
      const [f1, f2, f3] = names.fcs;
      const p = {
        c1: conv(`${c1}.weight`), b1: bias(`${c1}.bias`),
        c2: conv(`${c2}.weight`), b2: bias(`${c2}.bias`),
        c3: conv(`${c3}.weight`), b3: bias(`${c3}.bias`),
        c4: conv(`${c4}.weight`), b4: bias(`${c4}.bias`),
        c5: conv(`${c5}.weight`), b5: bias(`${c5}.bias`),
        f1: fc(`${f1}.weight`, 256), g1: bias(`${f1}.bias`),
        f2: fc(`${f2}.weight`), g2: bias(`${f2}.bias`),
        f3: fc(`${f3}.weight`), g3: bias(`${f3}.bias`),
      };
      const variables = Object.values(p);
      const x = tf.tensor(inputs, [batch, 3, size, size]).transpose([0, 2, 3, 1]);
      const y = tf.oneHot(tf.tensor1d(labels, 'int32'), OUTPUTS[modelName]).toFloat();
      const [lrn1, lrn2] = names.lrn.map((n) => (t: tfjs.Tensor4D) => tfjsLrn(tf, t, n));
      const pool = (t: tfjs.Tensor4D) => tf.maxPool(t, 3, 2, 'valid');
      const conv1Stride = modelName === 'alexnet-small' ? 1 : 4;
      const forward = () => {
        let h = tf.relu(tf.conv2d(x as tfjs.Tensor4D, p.c1 as tfjs.Tensor4D, conv1Stride, 2).add(p.b1)) as tfjs.Tensor4D;
        h = pool(lrn1(h));
        h = tf.relu(tf.conv2d(h, p.c2 as tfjs.Tensor4D, 1, 2).add(p.b2)) as tfjs.Tensor4D;
        h = pool(lrn2(h));
        h = tf.relu(tf.conv2d(h, p.c3 as tfjs.Tensor4D, 1, 1).add(p.b3)) as tfjs.Tensor4D;
        h = tf.relu(tf.conv2d(h, p.c4 as tfjs.Tensor4D, 1, 1).add(p.b4)) as tfjs.Tensor4D;
        h = pool(tf.relu(tf.conv2d(h, p.c5 as tfjs.Tensor4D, 1, 1).add(p.b5)) as tfjs.Tensor4D);
        let f = tf.relu(h.reshape([batch, -1]).matMul(p.f1).add(p.g1));
        f = tf.relu(f.matMul(p.f2).add(p.g2));
        return f.matMul(p.f3).add(p.g3);
      };
      return tfjsMomentumSteps(tf, variables, x, y, forward);
    },
  };
}

/**
 * A small training step, quick on any adapter: a two-layer perceptron (784 → 256, ReLU, → 10) at
 * batch 64, with the same SGD, on webgrad and as tfjs ops from the same initial weights.
 */
function mlpStepCase(batch: number): BenchCase {
  const [inF, hidden, classes] = [784, 256, 10];
  const inputs = values(batch * inF, 11);
  const labels = Int32Array.from({ length: batch }, (_, i) => (i * 3) % classes);
  let weights: Weights | null = null;
  return {
    group: 'training',
    name: `mlp step b${batch}`,
    shape: `[${batch},${inF}] → ${hidden} → ${classes}`,
    flops: 3 * 2 * batch * (inF * hidden + hidden * classes),
    rtol: 1e-3,
    quick: true,
    async webgrad(): Promise<Side> {
      const model = new nn.Sequential(new nn.Linear(inF, hidden, { seed: 5 }), new nn.ReLU(), new nn.Linear(hidden, classes, { seed: 6 }));
      weights = await readWeights(model);
      return sgdSteps(model, keep(tensor(inputs, [batch, inF])), labels);
    },
    async tfjs(tf: typeof tfjs): Promise<Side> {
      if (!weights) throw new Error('the webgrad side runs first and provides the initial weights');
      const w = weights;
      // Linear weight [out, in] is tfjs's kernel [in, out].
      const kernel = (name: string) => tf.variable(tf.tensor(w[name].data, w[name].shape).transpose());
      const bias = (name: string) => tf.variable(tf.tensor(w[name].data, w[name].shape));
      const p = { w1: kernel('0.weight'), b1: bias('0.bias'), w2: kernel('2.weight'), b2: bias('2.bias') };
      const variables = Object.values(p);
      const x = tf.tensor(inputs, [batch, inF]);
      const y = tf.oneHot(tf.tensor1d(labels, 'int32'), classes).toFloat();
      return tfjsMomentumSteps(tf, variables, x, y, () => tf.relu(x.matMul(p.w1).add(p.b1)).matMul(p.w2).add(p.b2));
    },
  };
}

export const cases: BenchCase[] = [
  mlpStepCase(64),
  trainingStepCase('alexnet-small', 16, false),
  trainingStepCase('alexnet-small', 64, false),
  { ...trainingStepCase('alexnet', 128, false), large: true },
  { ...trainingStepCase('alexnet-seed', 128, false), large: true },
];
