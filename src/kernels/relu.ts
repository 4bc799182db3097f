import { runtime } from '../device/current.js';
import { Tensor } from '../tensor/tensor.js';
import { uniformLayout } from '../runtime/wgsl-struct.js';

const WORKGROUP = 256;
export const RELU_PARAMS = uniformLayout('relu', { n: 'u32', _p0: 'u32', _p1: 'u32', _p2: 'u32' });

/** ReLU's gradient in one dispatch: g where x > 0, else 0. */
export function reluBackwardKernel(g: Tensor, x: Tensor): Tensor {
  const out = Tensor.empty(x.shape);
  if (out.size === 0) return out;
  runtime().dispatch(
    { files: ['grid', 'relu'], entry: 'reluBackward', overrides: { WG: WORKGROUP }, params: RELU_PARAMS },
    { uniforms: RELU_PARAMS.pack({ n: x.size }), buffers: [g.buffer, x.buffer, out.buffer], workgroups: Math.ceil(x.size / WORKGROUP) },
  );
  return out;
}
