import type * as tfjs from '@tensorflow/tfjs';
import { runtime } from '../../src/device/current.js';
import type { BenchCase, Side } from '../case.js';
import { conv2d, localResponseNorm, maxPool2d, noGrad, tensor, type Tensor } from '../../src/index.js';
import { conv2dBackwardKernel, im2colKernel, planConv2d, type ConvGeometry } from '../../src/kernels/conv.js';
import { lrnBackwardKernel, planLrn, type LrnParams } from '../../src/kernels/lrn.js';
import { maxPoolBackwardKernel, maxPoolKernel, planMaxPool, type MaxPoolGeometry } from '../../src/kernels/maxpool.js';
import { bindingLimits } from '../../src/kernels/ranges.js';
import { values } from './gemm.js';

/** NCHW data as NHWC (tfjs's native layout), on the CPU, so that both sides see the same numbers. */
function toNhwc(data: Float32Array, [n, c, h, w]: number[]): Float32Array {
  const out = new Float32Array(data.length);
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++)
      for (let p = 0; p < h * w; p++) out[(b * h * w + p) * c + ch] = data[(b * c + ch) * h * w + p];
  return out;
}

/** OIHW weights as tfjs's HWIO filter. */
function toHwio(data: Float32Array, [o, i, kh, kw]: number[]): Float32Array {
  const out = new Float32Array(data.length);
  for (let a = 0; a < o; a++)
    for (let b = 0; b < i; b++)
      for (let k = 0; k < kh * kw; k++) out[(k * i + b) * o + a] = data[(a * i + b) * kh * kw + k];
  return out;
}

/** A side whose run() replaces its previous outputs; result() reads them (concatenated). */
export function side<T>(run: () => T, outputs: (r: T) => Tensor[], inputs: Tensor[]): Side {
  let last: T | null = null;
  const release = () => (last ? outputs(last).forEach((t) => t.dispose()) : undefined);
  return {
    run() {
      release();
      last = noGrad(run);
    },
    async result() {
      const parts = await Promise.all(outputs(last!).map(async (t) => (await t.toArray()) as Float32Array));
      const all = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const p of parts) {
        all.set(p, at);
        at += p.length;
      }
      return all;
    },
    dispose() {
      release();
      inputs.forEach((t) => t.dispose());
    },
  };
}

/** The tfjs counterpart: outputs are NHWC/HWIO tensors that result() turns into our layouts. */
function tfSide(tf: typeof tfjs, run: () => tfjs.Tensor[], toOurs: ((t: tfjs.Tensor) => tfjs.Tensor)[], inputs: tfjs.Tensor[]): Side {
  let last: tfjs.Tensor[] = [];
  return {
    run() {
      last.forEach((t) => t.dispose());
      last = run();
    },
    async result() {
      const flat = tf.tidy(() => tf.concat(last.map((t, i) => toOurs[i](t).flatten())));
      const data = (await flat.data()) as Float32Array;
      flat.dispose();
      return data;
    },
    dispose() {
      last.forEach((t) => t.dispose());
      inputs.forEach((t) => t.dispose());
    },
  };
}

const nchw = (t: tfjs.Tensor): tfjs.Tensor => t.transpose([0, 3, 1, 2]);
const oihw = (t: tfjs.Tensor): tfjs.Tensor => t.transpose([3, 2, 0, 1]);
const same = (t: tfjs.Tensor): tfjs.Tensor => t;

export interface ConvLayer {
  name: string;
  cin: number;
  cout: number;
  size: number;
  k: number;
  stride: number;
  pad: number;
}

export const LAYERS: ConvLayer[] = [
  { name: 'conv1', cin: 3, cout: 96, size: 224, k: 11, stride: 4, pad: 2 },
  { name: 'conv2', cin: 96, cout: 256, size: 27, k: 5, stride: 1, pad: 2 },
  { name: 'conv3', cin: 256, cout: 384, size: 13, k: 3, stride: 1, pad: 1 },
  { name: 'conv4', cin: 384, cout: 384, size: 13, k: 3, stride: 1, pad: 1 },
  { name: 'conv5', cin: 384, cout: 256, size: 13, k: 3, stride: 1, pad: 1 },
];

/** A layer at a batch: its geometry, the shapes of x, weight and output, its forward FLOPs and its cases' shape line. */
export function layerAt(l: ConvLayer, batch: number) {
  const out = Math.floor((l.size + 2 * l.pad - l.k) / l.stride) + 1;
  const g: ConvGeometry = {
    n: batch, c: l.cin, h: l.size, w: l.size, cout: l.cout, kh: l.k, kw: l.k,
    sh: l.stride, sw: l.stride, ph: l.pad, pw: l.pad, oh: out, ow: out,
  };
  const xs = [batch, l.cin, l.size, l.size];
  const ws = [l.cout, l.cin, l.k, l.k];
  const flops = 2 * batch * l.cout * out * out * l.cin * l.k * l.k;
  const shape = `x ${xs.join('x')} · w ${ws.join('x')} s${l.stride} p${l.pad}`;
  return { out, g, xs, ws, ys: [batch, l.cout, out, out], flops, shape };
}

function convCases(l: ConvLayer, batch: number): BenchCase[] {
  const { out, g, xs, ws, ys, flops, shape } = layerAt(l, batch);
  let data: { x: Float32Array; w: Float32Array; b: Float32Array; gy: Float32Array } | null = null;
  const inputs = () =>
    (data ??= {
      x: values(xs.reduce((a, b) => a * b), 1),
      w: values(ws.reduce((a, b) => a * b), 2).map((v) => v * 0.1),
      b: values(l.cout, 3),
      gy: values(ys.reduce((a, b) => a * b), 4),
    });
  const tfPad = l.pad;
  return [
    {
      group: 'alexnet', name: `${l.name} forward (batch ${batch})`, shape, flops, rtol: 1e-3,
      async webgrad() {
        const d = inputs();
        const [x, w, b] = [tensor(d.x, xs), tensor(d.w, ws), tensor(d.b, [l.cout])];
        return side(() => conv2d(x, w, b, { stride: l.stride, padding: l.pad }), (y) => [y], [x, w, b]);
      },
      async tfjs(tf) {
        const d = inputs();
        const x = tf.tensor4d(toNhwc(d.x, xs), [batch, l.size, l.size, l.cin]);
        const w = tf.tensor4d(toHwio(d.w, ws), [l.k, l.k, l.cin, l.cout]);
        const b = tf.tensor1d(d.b);
        return tfSide(tf, () => [tf.fused.conv2d({ x, filter: w, bias: b, strides: l.stride, pad: tfPad })], [nchw], [x, w, b]);
      },
    },
    {
      // The column matrix alone, the part of the forward that is not the GEMM (no tfjs op).
      group: 'alexnet', name: `${l.name} im2col (batch ${batch})`, shape, bytes: 4 * (l.cin * l.k * l.k * batch * out * out + xs.reduce((a, b) => a * b)),
      async webgrad() {
        const x = tensor(inputs().x, xs);
        return side(() => im2colKernel(x, g, 0, batch), (cols) => [cols], [x]);
      },
    },
    {
      // dx, dW and db of one layer; the result compares dx and dW.
      group: 'alexnet', name: `${l.name} backward (batch ${batch})`, shape, flops: 2 * flops, rtol: 1e-3,
      async webgrad() {
        const d = inputs();
        const [x, w, gy] = [tensor(d.x, xs), tensor(d.w, ws), tensor(d.gy, ys)];
        return side(
          () => conv2dBackwardKernel(x, w, gy, g, { x: true, weight: true, bias: true }, planConv2d('conv2d', g, true, bindingLimits(), runtime().policy)),
          (r) => [r.gx!, r.gw!, r.gb!],
          [x, w, gy],
        );
      },
      async tfjs(tf) {
        const d = inputs();
        const x = tf.tensor4d(toNhwc(d.x, xs), [batch, l.size, l.size, l.cin]);
        const w = tf.tensor4d(toHwio(d.w, ws), [l.k, l.k, l.cin, l.cout]);
        const gy = tf.tensor4d(toNhwc(d.gy, ys), [batch, out, out, l.cout]);
        const attrs = { strides: [l.stride, l.stride], pad: tfPad, dataFormat: 'NHWC' };
        const run = () => [
          tf.engine().runKernel('Conv2DBackpropInput', { dy: gy, filter: w }, { ...attrs, inputShape: [batch, l.size, l.size, l.cin] }) as tfjs.Tensor,
          tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: gy }, { ...attrs, filterShape: [l.k, l.k, l.cin, l.cout] }) as tfjs.Tensor,
          tf.sum(gy, [0, 1, 2]),
        ];
        return tfSide(tf, run, [nchw, oihw, same], [x, w, gy]);
      },
    },
  ];
}

/** LRN and max pooling on conv1's output, [batch, 96, 55, 55], as AlexNet applies them. */
function poolLrnCases(batch: number): BenchCase[] {
  const xs = [batch, 96, 55, 55];
  const size = xs.reduce((a, b) => a * b);
  const po = 27;
  const ys = [batch, 96, po, po];
  const pg: MaxPoolGeometry = { n: batch, c: 96, h: 55, w: 55, oh: po, ow: po, kh: 3, kw: 3, sh: 2, sw: 2, ph: 0, pw: 0 };
  let data: { x: Float32Array; g: Float32Array; gp: Float32Array } | null = null;
  const inputs = () => (data ??= { x: values(size, 5).map((v) => v * 10), g: values(size, 6), gp: values(ys.reduce((a, b) => a * b), 7) });
  const shape = xs.join('x');
  const nhwc = [batch, 55, 55, 96] as [number, number, number, number];
  // LRN with the paper's window of 5 (tfjs beside it: it sums over d ± depthRadius and does not
  // divide alpha by the window size), and the reference network's window of 96, as wide as the
  // channels (the running-sum kernel; tfjs has no window of an even size).
  const lrnCases = (lrn: LrnParams, label: string): BenchCase[] => {
    const tfLrn = lrn.size % 2 === 1 ? ([(lrn.size - 1) / 2, lrn.k, lrn.alpha / lrn.size, lrn.beta] as const) : null;
    return [
      {
        group: 'alexnet', name: `lrn${label} forward (batch ${batch})`, shape, bytes: 2 * 4 * size, rtol: 1e-4,
        async webgrad() {
          const x = tensor(inputs().x, xs);
          return side(() => localResponseNorm(x, lrn), (y) => [y], [x]);
        },
        tfjs: !tfLrn ? undefined : async (tf) => {
          const x = tf.tensor4d(toNhwc(inputs().x, xs), nhwc);
          return tfSide(tf, () => [tf.localResponseNormalization(x, ...tfLrn)], [nchw], [x]);
        },
      },
      {
        group: 'alexnet', name: `lrn${label} backward (batch ${batch})`, shape, bytes: 3 * 4 * size, rtol: 1e-3,
        async webgrad() {
          const [x, g] = [tensor(inputs().x, xs), tensor(inputs().g, xs)];
          return side(() => lrnBackwardKernel(x, g, lrn, planLrn(x.shape, bindingLimits())), (y) => [y], [x, g]);
        },
        tfjs: !tfLrn ? undefined : async (tf) => {
          const x = tf.tensor4d(toNhwc(inputs().x, xs), nhwc);
          const dy = tf.tensor4d(toNhwc(inputs().g, xs), nhwc);
          const y = tf.localResponseNormalization(x, ...tfLrn);
          const [depthRadius, bias, alpha, beta] = tfLrn;
          const run = () => [tf.engine().runKernel('LRNGrad', { x, y, dy }, { depthRadius, bias, alpha, beta }) as tfjs.Tensor];
          return tfSide(tf, run, [nchw], [x, y, dy]);
        },
      },
    ];
  };
  return [
    ...lrnCases({ size: 5, alpha: 1e-4, beta: 0.75, k: 2 }, ''),
    ...lrnCases({ size: 96, alpha: 1e-4, beta: 0.75, k: 2 }, ' size 96'),
    {
      group: 'alexnet', name: `maxPool 3/2 forward (batch ${batch})`, shape, bytes: 4 * (size + 2 * (size / 4)), rtol: 0,
      async webgrad() {
        const x = tensor(inputs().x, xs);
        return side(() => maxPool2d(x, { kernelSize: 3, stride: 2 }), (y) => [y], [x]);
      },
      async tfjs(tf) {
        const x = tf.tensor4d(toNhwc(inputs().x, xs), nhwc);
        return tfSide(tf, () => [tf.maxPool(x, 3, 2, 'valid')], [nchw], [x]);
      },
    },
    {
      group: 'alexnet', name: `maxPool 3/2 backward (batch ${batch})`, shape, bytes: 4 * (size + 2 * (size / 4)), rtol: 1e-6,
      async webgrad() {
        const x = tensor(inputs().x, xs);
        const { out, indices } = maxPoolKernel(x, pg, planMaxPool(pg, bindingLimits()));
        out.dispose();
        const gy = tensor(inputs().gp, ys);
        return side(() => maxPoolBackwardKernel(gy, indices, pg, planMaxPool(pg, bindingLimits())), (y) => [y], [x, indices, gy]);
      },
      async tfjs(tf) {
        const x = tf.tensor4d(toNhwc(inputs().x, xs), nhwc);
        const y = tf.maxPool(x, 3, 2, 'valid');
        const dy = tf.tensor4d(toNhwc(inputs().gp, ys), [batch, po, po, 96]);
        const run = () => [tf.engine().runKernel('MaxPoolGrad', { dy, input: x, output: y }, { filterSize: 3, strides: 2, pad: 'valid' }) as tfjs.Tensor];
        return tfSide(tf, run, [nchw], [x, y, dy]);
      },
    },
  ];
}

/** Every AlexNet case at a batch size (8 for the bench; 1 runs in seconds on lavapipe). */
export function alexnetCases(batch: number): BenchCase[] {
  return [...LAYERS.flatMap((l) => convCases(l, batch)), ...poolLrnCases(batch)];
}

/**
 * In --quick, forward passes at batch 1 that tfjs runs in well under a second: tfjs's backward
 * kernels for convolution and LRN take seconds a repetition on a CPU adapter.
 */
const QUICK = /^(conv2 forward|lrn forward|maxPool 3\/2 forward) /;

/** The batch-8 cases, the batch-1 ones (some of them quick), and the reference's batch 128 for GPUs. */
export const cases: BenchCase[] = [
  ...alexnetCases(8).map((c) => ({ ...c, quick: false })),
  ...alexnetCases(1).map((c) => ({ ...c, quick: QUICK.test(c.name) })),
  ...alexnetCases(128).map((c) => ({ ...c, quick: false, large: true })),
];
