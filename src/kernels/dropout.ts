import { runtime } from '../device/current.js';
import { Tensor } from '../tensor/tensor.js';
import { uniformLayout } from '../runtime/wgsl-struct.js';

/** Invocations per workgroup, each taking 4 elements (one Philox call). */
const WORKGROUP = 256;
const ELEMENTS_PER_WORKGROUP = 4 * WORKGROUP;

export const DROPOUT_PARAMS = uniformLayout('dropout', { n: 'u32', seedLo: 'u32', seedHi: 'u32', _p0: 'u32', p: 'f32', scale: 'f32', _p1: 'u32', _p2: 'u32' });

/**
 * x with each element zeroed with probability p (by a mask that depends only on seed and index)
 * and the rest scaled by `scale`. Applied to a gradient with the same seed, it is dropout's backward.
 */
export function dropoutKernel(x: Tensor, p: number, scale: number, seed: number): Tensor {
  const out = Tensor.empty(x.shape);
  if (out.size === 0) return out;
  const u = DROPOUT_PARAMS.pack({ n: x.size, seedLo: seed >>> 0, seedHi: Math.floor(seed / 2 ** 32) >>> 0, p, scale });
  runtime().dispatch(
    { files: ['grid', 'philox', 'dropout'], entry: 'dropout', overrides: { WG: WORKGROUP }, params: DROPOUT_PARAMS },
    { uniforms: u, buffers: [x.buffer, out.buffer], workgroups: Math.ceil(x.size / ELEMENTS_PER_WORKGROUP) },
  );
  return out;
}
