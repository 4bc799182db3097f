import { runtime } from '../device/current.js';
import { declareKernel } from '../runtime/kernel.js';
import type { Tensor } from '../tensor/tensor.js';
import { uniformLayout } from '../runtime/wgsl-struct.js';

export interface SgdHyper {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
}

const LANES = 256;
const PER_LANE = 4;

export const SGD_PARAMS = uniformLayout('sgd', {
  n: 'u32', first: 'u32', nesterov: 'u32', _p0: 'u32',
  lr: 'f32', momentum: 'f32', dampening: 'f32', weightDecay: 'f32',
});
const SGD = declareKernel({ file: 'sgd', entries: ['plain', 'withMomentum'], params: SGD_PARAMS, workgroup: LANES });

/**
 * Updates `param` (and `momentumBuffer`, when given) in place from `grad`, all of one size.
 * `first` says the momentum buffer holds nothing yet and is to be set to the step's direction.
 */
export function sgdKernel(param: Tensor, grad: Tensor, momentumBuffer: Tensor | null, hyper: SgdHyper, first: boolean): void {
  if (param.size === 0) return;
  const buffers = momentumBuffer ? [param.buffer, grad.buffer, momentumBuffer.buffer] : [param.buffer, grad.buffer];
  runtime().dispatchRanges(
    SGD.spec(momentumBuffer ? 'withMomentum' : 'plain'),
    buffers,
    param.size,
    (_, count) =>
      SGD_PARAMS.pack({
        n: count,
        first: first ? 1 : 0,
        nesterov: hyper.nesterov ? 1 : 0,
        lr: hyper.lr,
        momentum: hyper.momentum,
        dampening: hyper.dampening,
        weightDecay: hyper.weightDecay,
      }),
    LANES * PER_LANE,
  );
}
