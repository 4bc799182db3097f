import { runtime } from '../device/current.js';
import { declareKernel } from '../runtime/kernel.js';
import { Tensor } from '../tensor/tensor.js';
import { uniformLayout } from '../runtime/wgsl-struct.js';
import type { KernelSpec } from '../runtime/runtime.js';
import { fmt } from '../tensor/shape.js';
import { blockBinding, planBlocks, type BindingLimits, type BlockPlan } from './ranges.js';

export interface LrnParams {
  size: number;
  alpha: number;
  beta: number;
  k: number;
}

/** One invocation per pixel, walking its channels. */
const WORKGROUP = 64;

const pixels = (x: Tensor): number => (x.shape[1] === 0 ? 0 : x.size / x.shape[1]);

/**
 * Windows up to this size are held in registers (lrn.wgsl's MAX_SIZE); wider ones use a running
 * sum (lrn_wide.wgsl), whose cost per output does not grow with the size.
 */
export const LRN_REGISTER_SIZE = 16;

// torch pads the channels with ⌊size/2⌋ before and ⌊(size-1)/2⌋ after, then averages over size.
const before = (o: LrnParams) => Math.floor(o.size / 2);
const after = (o: LrnParams) => Math.floor((o.size - 1) / 2);

/** lrn_common.wgsl's uniform block, shared by lrn.wgsl and lrn_wide.wgsl. */
export const LRN_PARAMS = uniformLayout('lrn_common', {
  pixels: 'u32', c: 'u32', hw: 'u32', _p0: 'u32',
  alphaOverSize: 'f32', beta: 'f32', k: 'f32', coef: 'f32',
  before: 'i32', after: 'i32', _p1: 'u32', _p2: 'u32',
});

function params(x: Tensor, o: LrnParams, samples: number): Uint8Array {
  const [, c, ...spatial] = x.shape;
  const hw = spatial.reduce((a, b) => a * b, 1);
  // The window's extent, which the running-sum kernel reads (lrn.wgsl has it as override constants);
  // a window wider than 2·C reaches every channel anyway.
  return LRN_PARAMS.pack({
    pixels: samples * hw, c, hw, alphaOverSize: o.alpha / o.size, beta: o.beta, k: o.k, coef: (2 * o.alpha * o.beta) / o.size,
    before: Math.min(before(o), 2 * c), after: Math.min(after(o), 2 * c),
  });
}

const LRN = declareKernel({ file: 'lrn', entries: ['forward', 'backward'], params: LRN_PARAMS, workgroup: WORKGROUP });
const LRN_WIDE = declareKernel({ file: 'lrn_wide', entries: ['forward', 'backward'], params: LRN_PARAMS, workgroup: WORKGROUP });

const spec = (entry: 'forward' | 'backward', o: LrnParams): KernelSpec =>
  o.size > LRN_REGISTER_SIZE ? LRN_WIDE.spec(entry) : LRN.spec(entry, { SIZE: o.size, BEFORE: before(o) });

/**
 * Plans a normalisation: samples are normalised independently, so tensors larger than one storage
 * binding run a range of samples at a time, each bound from an aligned offset (the kernels index
 * from their bindings' starts). Refuses samples that cannot be split so.
 */
export function planLrn(shape: readonly number[], limits: BindingLimits): BlockPlan {
  return planBlocks(limits, shape[0], [shape.slice(1).reduce((a, b) => a * b, 1)], (limit) =>
    `webgrad: localResponseNorm: x ${fmt(shape)} is larger than one storage binding (${limit}), and so are the fewest samples it can be split into; use smaller samples`,
  );
}

function dispatchSamples(x: Tensor, o: LrnParams, plan: BlockPlan, entry: 'forward' | 'backward', tensors: Tensor[]): void {
  const sample = x.size / x.shape[0];
  for (const run of plan.runs) {
    const buffers = tensors.map((t) => blockBinding(t.buffer, sample, run, plan.whole));
    runtime().dispatch(spec(entry, o), { uniforms: params(x, o, run[1]), buffers, workgroups: Math.ceil((run[1] * pixels(x)) / x.shape[0] / WORKGROUP) });
  }
}

/** Local response normalisation across dimension 1 of x [N, C, ...], for any window size. */
export function lrnKernel(x: Tensor, o: LrnParams, plan: BlockPlan): Tensor {
  const out = Tensor.empty(x.shape);
  if (out.size === 0) return out;
  dispatchSamples(x, o, plan, 'forward', [x, out]);
  return out;
}

/** The input gradient of lrnKernel for the output gradient g (one dispatch per range of samples, see lrn.wgsl). */
export function lrnBackwardKernel(x: Tensor, g: Tensor, o: LrnParams, plan: BlockPlan): Tensor {
  const gx = Tensor.empty(x.shape);
  if (gx.size === 0) return gx;
  const t = Tensor.empty(x.shape);
  dispatchSamples(x, o, plan, 'backward', [x, g, t, gx]);
  t.dispose();
  return gx;
}
