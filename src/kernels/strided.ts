import { runtime } from '../device/current.js';
import { Tensor } from '../tensor/tensor.js';
import type { Shape } from '../tensor/shape.js';
import { Uniforms, bytesOf } from '../runtime/uniforms.js';

/** A strided view of a buffer: element c of `shape` lies at offset + Σ c_d · strides_d (strides may be negative). */
export interface View {
  shape: Shape;
  offset: number;
  strides: readonly number[];
}

function params(v: View, n: number): Uint8Array {
  const u = new Uniforms().u32(n, v.shape.length, v.offset, 0).u32Array(v.shape, 2);
  for (let i = 0; i < 8; i++) u.i32(v.strides[i] ?? 0);
  return bytesOf(u);
}

/** A dense copy of the view `v` of x. */
export function gatherKernel(x: Tensor, v: View): Tensor {
  const out = Tensor.empty(v.shape, x.dtype);
  if (out.size === 0) return out;
  runtime().dispatch(
    { files: ['strided'], entry: 'gather' },
    { uniforms: params(v, out.size), buffers: [x.buffer, out.buffer], workgroups: Math.ceil(out.size / 256) },
  );
  return out;
}

/** Writes the dense tensor x (of shape v.shape) into the view `v` of `into`, in place. */
export function scatterKernel(x: Tensor, into: Tensor, v: View): void {
  if (x.size === 0) return;
  runtime().dispatch(
    { files: ['strided'], entry: 'scatter' },
    { uniforms: params(v, x.size), buffers: [x.buffer, into.buffer], workgroups: Math.ceil(x.size / 256) },
  );
}
