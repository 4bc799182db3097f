import { runtime } from '../device/current.js';
import type { Tensor } from '../tensor/tensor.js';
import { Uniforms, bytesOf } from '../runtime/uniforms.js';

export interface SgdHyper {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
}

const LANES = 256;
const PER_LANE = 4;

/**
 * Updates `param` (and `momentumBuffer`, when given) in place from `grad`, all of one size.
 * `first` says the momentum buffer holds nothing yet and is to be set to the step's direction.
 */
export function sgdKernel(param: Tensor, grad: Tensor, momentumBuffer: Tensor | null, hyper: SgdHyper, first: boolean): void {
  if (param.size === 0) return;
  const buffers = momentumBuffer ? [param.buffer, grad.buffer, momentumBuffer.buffer] : [param.buffer, grad.buffer];
  runtime().dispatchRanges(
    { files: ['sgd'], entry: momentumBuffer ? 'withMomentum' : 'plain' },
    buffers,
    param.size,
    (_, count) =>
      bytesOf(new Uniforms().u32(count, first ? 1 : 0, hyper.nesterov ? 1 : 0, 0).f32(hyper.lr, hyper.momentum, hyper.dampening, hyper.weightDecay)),
    LANES * PER_LANE,
  );
}
