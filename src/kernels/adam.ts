import { runtime } from '../device/current.js';
import { declareKernel } from '../runtime/kernel.js';
import type { Tensor } from '../tensor/tensor.js';
import { uniformLayout } from '../runtime/wgsl-struct.js';

export interface AdamHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** AdamW's decay of the parameter itself, rather than Adam's L2 term in the gradient. */
  decoupled: boolean;
}

export interface AdamBuffers {
  expAvg: Tensor;
  expAvgSq: Tensor;
  /** Only with amsgrad. */
  maxExpAvgSq: Tensor | null;
}

const LANES = 256;
const PER_LANE = 4;

export const ADAM_PARAMS = uniformLayout('adam', {
  n: 'u32', first: 'u32', _p0: 'u32', _p1: 'u32',
  beta1: 'f32', beta2: 'f32', eps: 'f32', weightDecay: 'f32',
  stepSize: 'f32', sqrtBc2: 'f32', oneMinusBeta1: 'f32', oneMinusBeta2: 'f32',
  decay: 'f32', _p2: 'f32', _p3: 'f32', _p4: 'f32',
});
const ADAM = declareKernel({ file: 'adam', entries: ['step', 'stepAmsgrad'], params: ADAM_PARAMS, workgroup: LANES });

/**
 * One Adam/AdamW step of `param` in place from `grad`, updating its moment buffers; `step` counts
 * this parameter's steps including this one (t in the bias corrections). `first` says the buffers
 * hold nothing yet.
 */
export function adamKernel(param: Tensor, grad: Tensor, state: AdamBuffers, hyper: AdamHyper, step: number, first: boolean): void {
  if (param.size === 0) return;
  const stepSize = hyper.lr / (1 - hyper.beta1 ** step);
  const sqrtBc2 = Math.sqrt(1 - hyper.beta2 ** step);
  const buffers = [param.buffer, grad.buffer, state.expAvg.buffer, state.expAvgSq.buffer];
  if (state.maxExpAvgSq) buffers.push(state.maxExpAvgSq.buffer);
  runtime().dispatchRanges(
    ADAM.spec(state.maxExpAvgSq ? 'stepAmsgrad' : 'step', { DECOUPLED: hyper.decoupled ? 1 : 0 }, hyper.decoupled ? 'adamw' : 'adam'),
    buffers,
    param.size,
    (_, count) =>
      ADAM_PARAMS.pack({
        n: count,
        first: first ? 1 : 0,
        beta1: hyper.beta1,
        beta2: hyper.beta2,
        eps: hyper.eps,
        weightDecay: hyper.weightDecay,
        stepSize,
        sqrtBc2,
        oneMinusBeta1: 1 - hyper.beta1,
        oneMinusBeta2: 1 - hyper.beta2,
        decay: 1 - hyper.lr * hyper.weightDecay,
      }),
    LANES * PER_LANE,
  );
}
