import { runtime } from '../device/current.js';
import { declareKernel } from '../runtime/kernel.js';
import { Tensor } from '../tensor/tensor.js';
import { ELEMENTWISE_PARAMS } from './elementwise-params.js';

const WORKGROUP = 256;
const RELU = declareKernel({ file: 'relu', entries: ['reluBackward'], params: ELEMENTWISE_PARAMS, workgroup: WORKGROUP });

/** ReLU's gradient in one dispatch: g where x > 0, else 0. */
export function reluBackwardKernel(g: Tensor, x: Tensor): Tensor {
  const out = Tensor.empty(x.shape);
  if (out.size === 0) return out;
  runtime().dispatchRanges(
    RELU.spec('reluBackward'),
    [g.buffer, x.buffer, out.buffer],
    x.size,
    (_, count) => ELEMENTWISE_PARAMS.pack({ n: count }),
    WORKGROUP,
  );
  return out;
}
