import { runtime } from '../device/current.js';
import { declareKernel } from '../runtime/kernel.js';
import { Tensor } from '../tensor/tensor.js';
import { uniformLayout } from '../runtime/wgsl-struct.js';

const WORKGROUP = 256;
export const GELU_PARAMS = uniformLayout('gelu', { n: 'u32', _p0: 'u32', _p1: 'u32', _p2: 'u32' });
const GELU = declareKernel({ file: 'gelu', entries: ['forward', 'backward'], params: GELU_PARAMS, workgroup: WORKGROUP });

/** GELU of x (the exact erf form, or PyTorch's tanh approximation when `approx`). */
export function geluKernel(x: Tensor, approx: boolean): Tensor {
  const out = Tensor.empty(x.shape);
  if (out.size === 0) return out;
  runtime().dispatchRanges(
    GELU.spec('forward', { APPROX: approx ? 1 : 0 }, approx ? 'gelu:tanh' : 'gelu'),
    [x.buffer, out.buffer],
    x.size,
    (_, count) => GELU_PARAMS.pack({ n: count }),
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
    (_, count) => GELU_PARAMS.pack({ n: count }),
    WORKGROUP,
  );
  return out;
}
