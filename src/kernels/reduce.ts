import { runtime } from '../device/current.js';
import { Tensor } from '../tensor/tensor.js';
import { Uniforms, bytesOf } from '../runtime/uniforms.js';

const WORKGROUP = 64;
/** Below this many outputs, a long reduction is split into chunks to give the GPU more threads. */
const FEW_OUTPUTS = 4096;
const CHUNK = 256;

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
  const u = new Uniforms().u32(outer, r, inner, chunk, chunks).f32(scale);
  runtime().dispatch(
    { files: ['reduce'], entry: 'reduce', overrides: { OP: op === 'sum' ? 0 : 1 }, label: `reduce:${op}` },
    { uniforms: bytesOf(u), buffers: [x.buffer, out.buffer], workgroups: Math.ceil(out.size / WORKGROUP) },
  );
  return out;
}

export function argmaxKernel(x: Tensor, outer: number, r: number, inner: number): Tensor {
  const out = Tensor.empty([outer * inner], 'int32');
  if (out.size === 0) return out;
  const u = new Uniforms().u32(outer, r, inner, r, 1).f32(1);
  runtime().dispatch(
    { files: ['reduce'], entry: 'argmax' },
    { uniforms: bytesOf(u), buffers: [x.buffer, out.buffer], workgroups: Math.ceil(out.size / WORKGROUP) },
  );
  return out;
}
