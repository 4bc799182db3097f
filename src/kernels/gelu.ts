import { runtime } from '../device/current.js';
import { declareKernel } from '../runtime/kernel.js';
import { Tensor } from '../tensor/tensor.js';
import { ELEMENTWISE_PARAMS } from './elementwise-params.js';

const WORKGROUP = 256;
const GELU = declareKernel({ file: 'gelu', entries: ['forward', 'backward'], params: ELEMENTWISE_PARAMS, workgroup: WORKGROUP });

/** GELU of x (the exact erf form, or PyTorch's tanh approximation when `approx`). */
export function geluKernel(x: Tensor, approx: boolean): Tensor {
  const out = Tensor.empty(x.shape);
  if (out.size === 0) return out;
  runtime().dispatchRanges(
    GELU.spec('forward', { APPROX: approx ? 1 : 0 }, approx ? 'gelu:tanh' : 'gelu'),
    [x.buffer, out.buffer],
    x.size,
    (_, count) => ELEMENTWISE_PARAMS.pack({ n: count }),
    WORKGROUP,
  );
  return out;
}

/** GELU's input gradient in one pass: g · gelu'(x). */
export function geluBackwardKernel(g: Tensor, x: Tensor, approx: boolean): Tensor {
  const out = Tensor.empty(x.shape);
  if (out.size === 0) return out;
  runtime().dispatchRanges(
    GELU.spec('backward', { APPROX: approx ? 1 : 0 }, approx ? 'gelu:tanh backward' : 'gelu backward'),
    [g.buffer, x.buffer, out.buffer],
    x.size,
    (_, count) => ELEMENTWISE_PARAMS.pack({ n: count }),
    WORKGROUP,
  );
  return out;
}
