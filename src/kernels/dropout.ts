import { runtime } from '../device/current.js';
import { declareKernel } from '../runtime/kernel.js';
import { Tensor } from '../tensor/tensor.js';
import { uniformLayout } from '../runtime/wgsl-struct.js';

/** Invocations per workgroup, each taking 4 elements (one Philox call). */
const WORKGROUP = 256;
const ELEMENTS_PER_WORKGROUP = 4 * WORKGROUP;

export const DROPOUT_PARAMS = uniformLayout('dropout', { n: 'u32', seedLo: 'u32', seedHi: 'u32', base: 'u32', p: 'f32', scale: 'f32', _p1: 'u32', _p2: 'u32' });
const DROPOUT = declareKernel({ file: 'dropout', entries: ['dropout'], params: DROPOUT_PARAMS, workgroup: WORKGROUP });

/**
 * x with each element zeroed with probability p (by a mask that depends only on seed and index)
 * and the rest scaled by `scale`. Applied to a gradient with the same seed, it is dropout's backward.
 */
export function dropoutKernel(x: Tensor, p: number, scale: number, seed: number): Tensor {
  const out = Tensor.empty(x.shape);
  if (out.size === 0) return out;
  const seedLo = seed >>> 0;
  const seedHi = Math.floor(seed / 2 ** 32) >>> 0;
  // Ranges start at multiples of the offset alignment (64 elements), so `first` is a multiple of 4.
  runtime().dispatchRanges(
    DROPOUT.spec('dropout'),
    [x.buffer, out.buffer],
    x.size,
    (first, count) => DROPOUT_PARAMS.pack({ n: count, seedLo, seedHi, base: first, p, scale }),
    ELEMENTS_PER_WORKGROUP,
  );
  return out;
}
