import { runtime } from '../device/current.js';
import { Tensor } from '../tensor/tensor.js';
import { Uniforms, bytesOf } from '../runtime/uniforms.js';

const WORKGROUP = 256;

/** ReLU's gradient in one dispatch: g where x > 0, else 0. */
export function reluBackwardKernel(g: Tensor, x: Tensor): Tensor {
  const out = Tensor.empty(x.shape);
  if (out.size === 0) return out;
  runtime().dispatch(
    { files: ['relu'], entry: 'reluBackward' },
    { uniforms: bytesOf(new Uniforms().u32(x.size)), buffers: [g.buffer, x.buffer, out.buffer], workgroups: Math.ceil(x.size / WORKGROUP) },
  );
  return out;
}
