import { runtime } from '../device/current.js';
import { Tensor } from '../tensor/tensor.js';
import { Uniforms, bytesOf } from '../runtime/uniforms.js';

/** Elements per workgroup: 256 invocations of 4 elements (one Philox call each). */
const ELEMENTS_PER_WORKGROUP = 1024;

/**
 * x with each element zeroed with probability p (by a mask that depends only on seed and index)
 * and the rest scaled by `scale`. Applied to a gradient with the same seed, it is dropout's backward.
 */
export function dropoutKernel(x: Tensor, p: number, scale: number, seed: number): Tensor {
  const out = Tensor.empty(x.shape);
  if (out.size === 0) return out;
  const u = new Uniforms().u32(x.size, seed >>> 0, Math.floor(seed / 2 ** 32) >>> 0, 0).f32(p, scale);
  runtime().dispatch(
    { files: ['philox', 'dropout'], entry: 'dropout' },
    { uniforms: bytesOf(u), buffers: [x.buffer, out.buffer], workgroups: Math.ceil(x.size / ELEMENTS_PER_WORKGROUP) },
  );
  return out;
}
