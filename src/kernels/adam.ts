import { runtime } from '../device/current.js';
import type { Tensor } from '../tensor/tensor.js';
import { Uniforms, bytesOf } from '../runtime/uniforms.js';

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
    {
      files: ['adam'],
      entry: state.maxExpAvgSq ? 'stepAmsgrad' : 'step',
      overrides: { DECOUPLED: hyper.decoupled ? 1 : 0 },
      label: hyper.decoupled ? 'adamw' : 'adam',
    },
    buffers,
    param.size,
    (_, count) =>
      bytesOf(
        new Uniforms()
          .u32(count, first ? 1 : 0, 0, 0)
          .f32(hyper.beta1, hyper.beta2, hyper.eps, hyper.weightDecay)
          .f32(stepSize, sqrtBc2, 1 - hyper.beta1, 1 - hyper.beta2)
          .f32(1 - hyper.lr * hyper.weightDecay, 0, 0, 0),
      ),
    LANES * PER_LANE,
  );
}
