import { runtime } from '../device/current.js';
import { declareKernel } from '../runtime/kernel.js';
import { Tensor } from '../tensor/tensor.js';
import { uniformLayout } from '../runtime/wgsl-struct.js';

const WORKGROUP = 256;
export const RELU_PARAMS = uniformLayout('relu', { n: 'u32', _p0: 'u32', _p1: 'u32', _p2: 'u32' });
const RELU = declareKernel({ file: 'relu', entries: ['reluBackward'], params: RELU_PARAMS, workgroup: WORKGROUP });

/** ReLU's gradient in one dispatch: g where x > 0, else 0. */
export function reluBackwardKernel(g: Tensor, x: Tensor): Tensor {
  const out = Tensor.empty(x.shape);
  if (out.size === 0) return out;
  runtime().dispatchRanges(
    RELU.spec('reluBackward'),
    [g.buffer, x.buffer, out.buffer],
    x.size,
    (_, count) => RELU_PARAMS.pack({ n: count }),
    WORKGROUP,
  );
  return out;
}
