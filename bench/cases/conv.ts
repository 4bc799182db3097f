import type { BenchCase, Side } from '../case.js';
import { runtime } from '../../src/device/current.js';
import { conv2d, tensor } from '../../src/index.js';
import { withPolicy } from '../../src/index.js';
import { conv2dBackwardKernel, planConv2d } from '../../src/kernels/conv.js';
import { bindingLimits } from '../../src/kernels/ranges.js';
import { chooseWinogradTile } from '../../src/kernels/winograd-plan.js';
import { CONV_VARIANTS, type ConvVariant } from '../../src/runtime/policy.js';
import { LAYERS, layerAt, side, type ConvLayer } from './alexnet.js';
import { values } from './gemm.js';
import { trainingStepCase } from './training.js';

/** Runs `fn` with conv2d on the given kernels, whatever the adapter's default. */
function using<T>(variant: ConvVariant, fn: () => T): () => T {
  return () => withPolicy({ conv: variant }, fn);
}

/**
 * A layer's convolution on each form of conv2d the policy knows (CONV_VARIANTS), chosen explicitly
 * (the alexnet cases time the adapter's default); 'winograd' only where conv2d runs it (3×3, stride 1,
 * 8 channels or more: elsewhere it would time another form again).
 */
function formCases(l: ConvLayer, batch: number, variant: ConvVariant): BenchCase[] {
  const { g, xs, ws, ys, flops, shape } = layerAt(l, batch);
  if (variant === 'winograd' && chooseWinogradTile(g) === null) return [];
  const count = (s: number[]) => s.reduce((a, b) => a * b);
  return [
    {
      group: 'conv', name: `${l.name} ${variant} forward (batch ${batch})`, shape, flops,
      async webgrad() {
        const [x, w, b] = [tensor(values(count(xs), 1), xs), tensor(values(count(ws), 2).map((v) => v * 0.1), ws), tensor(values(l.cout, 3), [l.cout])];
        return side(using(variant, () => conv2d(x, w, b, { stride: l.stride, padding: l.pad })), (y) => [y], [x, w, b]);
      },
    },
    {
      // dx, dW and db, as the alexnet backward cases.
      group: 'conv', name: `${l.name} ${variant} backward (batch ${batch})`, shape, flops: 2 * flops,
      async webgrad() {
        const [x, w, gy] = [tensor(values(count(xs), 1), xs), tensor(values(count(ws), 2).map((v) => v * 0.1), ws), tensor(values(count(ys), 4), ys)];
        const run = using(variant, () => conv2dBackwardKernel(x, w, gy, g, { x: true, weight: true, bias: true }, planConv2d('conv2d', g, true, bindingLimits(), runtime().policy)));
        return side(run, (r) => [r.gx!, r.gw!, r.gb!], [x, w, gy]);
      },
    },
  ];
}

/** examples/cifar-resnet's convolutions at its default width (16): the stem, each stage's 3×3 and the strided ones. */
const RESNET_LAYERS: ConvLayer[] = [
  { name: 'resnet stem', cin: 3, cout: 16, size: 32, k: 3, stride: 1, pad: 1 },
  { name: 'resnet stage1', cin: 16, cout: 16, size: 32, k: 3, stride: 1, pad: 1 },
  { name: 'resnet stage2 down', cin: 16, cout: 32, size: 32, k: 3, stride: 2, pad: 1 },
  { name: 'resnet stage2', cin: 32, cout: 32, size: 16, k: 3, stride: 1, pad: 1 },
  { name: 'resnet stage3 down', cin: 32, cout: 64, size: 16, k: 3, stride: 2, pad: 1 },
  { name: 'resnet stage3', cin: 64, cout: 64, size: 8, k: 3, stride: 1, pad: 1 },
];

const forms = (layers: ConvLayer[], batch: number): BenchCase[] =>
  layers.flatMap((l) => CONV_VARIANTS.flatMap((v) => formCases(l, batch, v)));

/** A training step with conv2d on one form (its other layers on the adapter's other form, where Winograd does not apply). */
function stepOn(variant: ConvVariant, model: 'alexnet-small', batch: number): BenchCase {
  const base = trainingStepCase(model, batch, false);
  return {
    ...base, group: 'conv', name: `${base.name} ${variant}`, tfjs: undefined,
    async webgrad(): Promise<Side> {
      const s = await base.webgrad();
      return { ...s, run: () => withPolicy({ conv: variant }, () => s.run()), result: () => s.result(), dispose: () => s.dispose() };
    },
  };
}

const threeByThree = LAYERS.filter((l) => l.k === 3);

/**
 * Batch 1 as the quick variant (lavapipe); conv3–5, the ResNet's layers (batch 64, its example's)
 * and alexnet-small's step at lavapipe's sizes; the reference's batch 128 for GPUs (the GPU kit's
 * conv-forms stage: AlexNet's layers only, to stay within its time cap).
 */
export const cases: BenchCase[] = [
  ...forms(LAYERS, 1).map((c) => ({ ...c, quick: true })),
  ...forms(threeByThree, 8).map((c) => ({ ...c, quick: false })),
  ...forms(RESNET_LAYERS, 64).map((c) => ({ ...c, quick: false })),
  ...CONV_VARIANTS.map((v) => stepOn(v, 'alexnet-small', 16)),
  ...forms(LAYERS, 128).map((c) => ({ ...c, quick: false, large: true })),
];
