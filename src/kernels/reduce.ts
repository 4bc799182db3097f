import { runtime } from '../device/current.js';
import { Tensor } from '../tensor/tensor.js';
import { constantNames, uniformLayout } from '../runtime/wgsl-struct.js';

const WORKGROUP = 64;
/** Below this many outputs, a long reduction is split into chunks to give the GPU more threads. */
const FEW_OUTPUTS = 4096;
const CHUNK = 256;

/** reduce.wgsl's OP override: which reduction it runs. */
const REDUCE_OPS = { sum: 0, max: 1 } as const;
export const REDUCE_CODES = constantNames('reduce', 'OP_', REDUCE_OPS);
export const REDUCE_PARAMS = uniformLayout('reduce', { outer: 'u32', r: 'u32', inner: 'u32', chunk: 'u32', chunks: 'u32', scale: 'f32', _p0: 'u32', _p1: 'u32' });

/**
 * Reduces x, viewed as [outer, r, inner], over r; returns outer·inner values (the caller reshapes).
 * `scale` multiplies the result (mean = sum · 1/r).
 */
export function reduceKernel(op: 'sum' | 'max', x: Tensor, outer: number, r: number, inner: number, scale = 1): Tensor {
  const outputs = outer * inner;
  if (outputs < FEW_OUTPUTS && r > 2 * CHUNK) {
    const chunks = Math.ceil(r / CHUNK);
    const partial = pass(op, x, outer, r, inner, CHUNK, chunks, 1);
    const out = reduceKernel(op, partial, outer, chunks, inner, scale);
    partial.dispose();
    return out;
  }
  return pass(op, x, outer, r, inner, r, 1, scale);
}

function pass(op: 'sum' | 'max', x: Tensor, outer: number, r: number, inner: number, chunk: number, chunks: number, scale: number): Tensor {
  const out = Tensor.empty([outer * chunks * inner]);
  if (out.size === 0) return out;
  const u = REDUCE_PARAMS.pack({ outer, r, inner, chunk, chunks, scale });
  runtime().dispatch(
    { files: ['grid', 'reduce'], entry: 'reduce', overrides: { OP: REDUCE_OPS[op], WG: WORKGROUP }, label: `reduce:${op}`, params: REDUCE_PARAMS, constants: REDUCE_CODES },
    { uniforms: u, buffers: [x.buffer, out.buffer], workgroups: Math.ceil(out.size / WORKGROUP) },
  );
  return out;
}

export function argmaxKernel(x: Tensor, outer: number, r: number, inner: number): Tensor {
  const out = Tensor.empty([outer * inner], 'int32');
  if (out.size === 0) return out;
  const u = REDUCE_PARAMS.pack({ outer, r, inner, chunk: r, chunks: 1, scale: 1 });
  runtime().dispatch(
    { files: ['grid', 'reduce'], entry: 'argmax', overrides: { WG: WORKGROUP }, params: REDUCE_PARAMS },
    { uniforms: u, buffers: [x.buffer, out.buffer], workgroups: Math.ceil(out.size / WORKGROUP) },
  );
  return out;
}
