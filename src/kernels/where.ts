import { runtime } from '../device/current.js';
import { Tensor } from '../tensor/tensor.js';
import { broadcastStrides, type Shape } from '../tensor/shape.js';
import { uniformLayout } from '../runtime/wgsl-struct.js';

/** Invocations per workgroup, one per element. */
const WORKGROUP = 256;

export const WHERE_PARAMS = uniformLayout('where', {
  n: 'u32', rank: 'u32', _p0: 'u32', _p1: 'u32',
  shape: 'array<vec4<u32>, 2>',
  cStrides: 'array<vec4<u32>, 2>',
  aStrides: 'array<vec4<u32>, 2>',
  bStrides: 'array<vec4<u32>, 2>',
});

/** cond ? a : b over `shape` (already checked and broadcast by the caller). */
export function whereKernel(cond: Tensor, a: Tensor, b: Tensor, shape: Shape): Tensor {
  const out = Tensor.empty(shape);
  if (out.size === 0) return out;
  const u = WHERE_PARAMS.pack({
    n: out.size,
    rank: shape.length,
    shape,
    cStrides: broadcastStrides(cond.shape, shape),
    aStrides: broadcastStrides(a.shape, shape),
    bStrides: broadcastStrides(b.shape, shape),
  });
  runtime().dispatch(
    { files: ['grid', 'where'], entry: 'main', overrides: { COND_FLOAT: cond.dtype === 'float32' ? 1 : 0, WG: WORKGROUP }, params: WHERE_PARAMS },
    { uniforms: u, buffers: [cond.buffer, a.buffer, b.buffer, out.buffer], workgroups: Math.ceil(out.size / WORKGROUP) },
  );
  return out;
}
