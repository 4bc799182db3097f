import { runtime } from '../device/current.js';
import { Tensor } from '../tensor/tensor.js';
import { broadcastStrides, type Shape } from '../tensor/shape.js';
import { Uniforms, bytesOf } from '../runtime/uniforms.js';

/** cond ? a : b over `shape` (already checked and broadcast by the caller). */
export function whereKernel(cond: Tensor, a: Tensor, b: Tensor, shape: Shape): Tensor {
  const out = Tensor.empty(shape);
  if (out.size === 0) return out;
  const u = new Uniforms()
    .u32(out.size, shape.length, 0, 0)
    .u32Array(shape, 2)
    .u32Array(broadcastStrides(cond.shape, shape), 2)
    .u32Array(broadcastStrides(a.shape, shape), 2)
    .u32Array(broadcastStrides(b.shape, shape), 2);
  runtime().dispatch(
    { files: ['where'], entry: 'main', overrides: { COND_FLOAT: cond.dtype === 'float32' ? 1 : 0 } },
    { uniforms: bytesOf(u), buffers: [cond.buffer, a.buffer, b.buffer, out.buffer], workgroups: Math.ceil(out.size / 256) },
  );
  return out;
}
