import { runtime } from '../device/current.js';
import { Tensor } from '../tensor/tensor.js';
import type { Shape } from '../tensor/shape.js';
import { uniformLayout } from '../runtime/wgsl-struct.js';

/** A strided view of a buffer: element c of `shape` lies at offset + Σ c_d · strides_d (strides may be negative). */
export interface View {
  shape: Shape;
  offset: number;
  strides: readonly number[];
}

/** Invocations per workgroup, one per element. */
const WORKGROUP = 256;

export const STRIDED_PARAMS = uniformLayout('strided', {
  n: 'u32', rank: 'u32', offset: 'u32', _p0: 'u32',
  shape: 'array<vec4<u32>, 2>',
  strides: 'array<vec4<i32>, 2>',
});

function params(v: View, n: number): Uint8Array {
  return STRIDED_PARAMS.pack({ n, rank: v.shape.length, offset: v.offset, shape: v.shape, strides: v.strides });
}

/** A dense copy of the view `v` of x. */
export function gatherKernel(x: Tensor, v: View): Tensor {
  const out = Tensor.empty(v.shape, x.dtype);
  if (out.size === 0) return out;
  runtime().dispatch(
    { files: ['grid', 'strided'], entry: 'gather', overrides: { WG: WORKGROUP }, params: STRIDED_PARAMS },
    { uniforms: params(v, out.size), buffers: [x.buffer, out.buffer], workgroups: Math.ceil(out.size / WORKGROUP) },
  );
  return out;
}

/** Writes the dense tensor x (of shape v.shape) into the view `v` of `into`, in place. */
export function scatterKernel(x: Tensor, into: Tensor, v: View): void {
  if (x.size === 0) return;
  runtime().dispatch(
    { files: ['grid', 'strided'], entry: 'scatter', overrides: { WG: WORKGROUP }, params: STRIDED_PARAMS },
    { uniforms: params(v, x.size), buffers: [x.buffer, into.buffer], workgroups: Math.ceil(x.size / WORKGROUP) },
  );
}
