import type { BenchCase } from '../case.js';
import { runtime } from '../../src/device/current.js';
import { conv2d, tensor } from '../../src/index.js';
import { withPolicy } from '../../src/index.js';
import { conv2dBackwardKernel, planConv2d } from '../../src/kernels/conv.js';
import { bindingLimits } from '../../src/kernels/ranges.js';
import { CONV_VARIANTS, type ConvVariant } from '../../src/runtime/policy.js';
import { LAYERS, layerAt, side, type ConvLayer } from './alexnet.js';
import { values } from './gemm.js';

/** Runs `fn` with conv2d on the given kernels, whatever the adapter's default. */
function using<T>(variant: ConvVariant, fn: () => T): () => T {
  return () => withPolicy({ conv: variant }, fn);
}

/**
 * AlexNet's convolutions on each form of conv2d the policy knows (CONV_VARIANTS), chosen explicitly
 * (the alexnet cases time the adapter's default).
 */
function formCases(l: ConvLayer, batch: number, variant: ConvVariant): BenchCase[] {
  const { g, xs, ws, ys, flops, shape } = layerAt(l, batch);
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

const forms = (batch: number): BenchCase[] =>
  LAYERS.flatMap((l) => CONV_VARIANTS.flatMap((v) => formCases(l, batch, v)));

/** Batch 1 as the quick variant (lavapipe), the reference's batch 128 for GPUs. */
export const cases: BenchCase[] = [
  ...forms(1).map((c) => ({ ...c, quick: true })),
  ...forms(128).map((c) => ({ ...c, quick: false, large: true })),
];
