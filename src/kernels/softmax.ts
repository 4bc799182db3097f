import { runtime } from '../device/current.js';
import { Tensor } from '../tensor/tensor.js';
import { uniformLayout } from '../runtime/wgsl-struct.js';

export const SOFTMAX_PARAMS = uniformLayout('softmax', { outer: 'u32', r: 'u32', inner: 'u32', _p0: 'u32' });
const params = (outer: number, r: number, inner: number): Uint8Array => SOFTMAX_PARAMS.pack({ outer, r, inner });

/** Softmax (or log-softmax when `log`) of x viewed as [outer, r, inner], along r. */
export function softmaxKernel(x: Tensor, outer: number, r: number, inner: number, log: boolean): Tensor {
  const y = Tensor.empty(x.shape);
  if (y.size === 0) return y;
  runtime().dispatch(
    { files: ['grid', 'row_reduce', 'softmax'], entry: 'forward', overrides: { LOG: log ? 1 : 0 }, label: log ? 'logSoftmax' : 'softmax', params: SOFTMAX_PARAMS },
    { uniforms: params(outer, r, inner), buffers: [x.buffer, y.buffer], workgroups: outer * inner },
  );
  return y;
}

/** The input gradient of softmax (or log-softmax) from its output y and the output gradient g. */
export function softmaxBackwardKernel(y: Tensor, g: Tensor, outer: number, r: number, inner: number, log: boolean): Tensor {
  const dx = Tensor.empty(y.shape);
  if (dx.size === 0) return dx;
  runtime().dispatch(
    { files: ['grid', 'row_reduce', 'softmax'], entry: 'backward', overrides: { LOG: log ? 1 : 0 }, label: log ? 'logSoftmax backward' : 'softmax backward', params: SOFTMAX_PARAMS },
    { uniforms: params(outer, r, inner), buffers: [y.buffer, g.buffer, dx.buffer], workgroups: outer * inner },
  );
  return dx;
}
