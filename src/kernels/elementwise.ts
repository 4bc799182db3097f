import { runtime } from '../device/current.js';
import { Tensor } from '../tensor/tensor.js';
import { broadcastStrides, type Shape } from '../tensor/shape.js';
import { Uniforms, bytesOf } from '../runtime/uniforms.js';

export const UNARY_OPS = { neg: 0, abs: 1, exp: 2, log: 3, sqrt: 4, rsqrt: 5, relu: 6, sigmoid: 7, tanh: 8, sign: 9 } as const;
export const BINARY_OPS = { add: 0, sub: 1, mul: 2, div: 3, pow: 4, maximum: 5, minimum: 6, gt: 7, ge: 8, eq: 9 } as const;
export type UnaryOp = keyof typeof UNARY_OPS;
export type BinaryOp = keyof typeof BINARY_OPS;

const WORKGROUP = 256;

export function unaryKernel(op: UnaryOp, x: Tensor): Tensor {
  const out = Tensor.empty(x.shape);
  if (x.size === 0) return out;
  runtime().dispatchRanges(
    { files: ['unary'], entry: 'main', overrides: { OP: UNARY_OPS[op] }, label: `unary:${op}` },
    [x.buffer, out.buffer],
    x.size,
    (_, count) => bytesOf(new Uniforms().u32(count)),
    WORKGROUP,
  );
  return out;
}

/** Shapes are already checked and broadcast by the caller. */
export function binaryKernel(op: BinaryOp, a: Tensor, b: Tensor, shape: Shape): Tensor {
  const out = Tensor.empty(shape);
  if (out.size === 0) return out;
  const same = a.size === out.size && b.size === out.size;
  if (same) {
    runtime().dispatchRanges(
      { files: ['binary'], entry: 'main', overrides: { OP: BINARY_OPS[op], SAME_SHAPE: 1 }, label: `binary:${op}` },
      [a.buffer, b.buffer, out.buffer],
      out.size,
      (_, count) => bytesOf(new Uniforms().u32(count, shape.length, 0, 0).u32Array([], 2).u32Array([], 2).u32Array([], 2)),
      WORKGROUP,
    );
    return out;
  }
  const u = new Uniforms()
    .u32(out.size, shape.length, 0, 0)
    .u32Array(shape, 2)
    .u32Array(broadcastStrides(a.shape, shape), 2)
    .u32Array(broadcastStrides(b.shape, shape), 2);
  runtime().dispatch(
    { files: ['binary'], entry: 'main', overrides: { OP: BINARY_OPS[op], SAME_SHAPE: 0 }, label: `binary:${op} broadcast` },
    { uniforms: bytesOf(u), buffers: [a.buffer, b.buffer, out.buffer], workgroups: Math.ceil(out.size / WORKGROUP) },
  );
  return out;
}

/** out[i] = x[Σ coord_d · strides[d]] over `shape`: permutes (reordered strides) and broadcasts (zeros). */
export function permuteKernel(x: Tensor, shape: Shape, strides: readonly number[]): Tensor {
  const out = Tensor.empty(shape, x.dtype);
  if (out.size === 0) return out;
  const u = new Uniforms().u32(out.size, shape.length, 0, 0).u32Array(shape, 2).u32Array(strides, 2);
  runtime().dispatch(
    { files: ['permute'], entry: 'main' },
    { uniforms: bytesOf(u), buffers: [x.buffer, out.buffer], workgroups: Math.ceil(out.size / WORKGROUP) },
  );
  return out;
}

export function fillKernel(shape: Shape, start: number, step: number): Tensor {
  const out = Tensor.empty(shape);
  if (out.size === 0) return out;
  runtime().dispatchRanges(
    { files: ['fill'], entry: 'fill' },
    [out.buffer],
    out.size,
    (first, count) => bytesOf(new Uniforms().u32(count).f32(start + step * first, step)),
    WORKGROUP,
  );
  return out;
}

/** Seeded uniform [a, b) or normal (mean a, std b) numbers; `stream` separates uses of one seed. */
export function randomKernel(dist: 'uniform' | 'normal', shape: Shape, seed: number, a: number, b: number, stream = 0): Tensor {
  const out = Tensor.empty(shape);
  if (out.size === 0) return out;
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 2 ** 32) >>> 0;
  runtime().dispatchRanges(
    { files: ['philox', 'random'], entry: dist === 'uniform' ? 'sampleUniform' : 'sampleNormal' },
    [out.buffer],
    out.size,
    // Element i of the tensor always uses counter i, however the work is split.
    (first, count) => bytesOf(new Uniforms().u32(count, lo, hi, stream).f32(a, b).u32(first)),
    WORKGROUP,
  );
  return out;
}
