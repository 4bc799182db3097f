import { runtime } from '../device/current.js';
import { Tensor } from '../tensor/tensor.js';
import { broadcastStrides, type Shape } from '../tensor/shape.js';
import { constantNames, uniformLayout } from '../runtime/wgsl-struct.js';
import { FILL_PARAMS } from '../runtime/runtime.js';

export const UNARY_OPS = { neg: 0, abs: 1, exp: 2, log: 3, sqrt: 4, rsqrt: 5, relu: 6, sigmoid: 7, tanh: 8, sign: 9 } as const;
export const BINARY_OPS = { add: 0, sub: 1, mul: 2, div: 3, pow: 4, maximum: 5, minimum: 6, gt: 7, ge: 8, eq: 9 } as const;
export type UnaryOp = keyof typeof UNARY_OPS;
export type BinaryOp = keyof typeof BINARY_OPS;

const WORKGROUP = 256;

export const UNARY_PARAMS = uniformLayout('unary', { n: 'u32', _p0: 'u32', _p1: 'u32', _p2: 'u32' });
/** broadcast.wgsl's uniform block, shared by binary.wgsl and where.wgsl (whose condition is operand c). */
export const BROADCAST_PARAMS = uniformLayout('broadcast', {
  n: 'u32', rank: 'u32', _p0: 'u32', _p1: 'u32',
  shape: 'array<vec4<u32>, 2>',
  aStrides: 'array<vec4<u32>, 2>',
  bStrides: 'array<vec4<u32>, 2>',
  cStrides: 'array<vec4<u32>, 2>',
});
/** The broadcast uniforms of operands a, b (and where's condition c) read over `shape`. */
export function broadcastParams(shape: Shape, a: Shape, b: Shape, c: Shape = []): Uint8Array {
  const strides = (s: Shape) => broadcastStrides(s, shape);
  return BROADCAST_PARAMS.pack({ n: shape.reduce((x, y) => x * y, 1), rank: shape.length, shape, aStrides: strides(a), bStrides: strides(b), cStrides: strides(c) });
}
export const RANDOM_PARAMS = uniformLayout('random', { n: 'u32', seedLo: 'u32', seedHi: 'u32', stream: 'u32', a: 'f32', b: 'f32', base: 'u32', _p1: 'u32' });
export const UNARY_CODES = constantNames('unary', 'OP_', UNARY_OPS);
export const BINARY_CODES = constantNames('binary', 'OP_', BINARY_OPS);

export function unaryKernel(op: UnaryOp, x: Tensor): Tensor {
  const out = Tensor.empty(x.shape);
  if (x.size === 0) return out;
  runtime().dispatchRanges(
    { files: ['grid', 'unary'], entry: 'main', overrides: { OP: UNARY_OPS[op], WG: WORKGROUP }, label: `unary:${op}`, params: UNARY_PARAMS, constants: UNARY_CODES },
    [x.buffer, out.buffer],
    x.size,
    (_, count) => UNARY_PARAMS.pack({ n: count }),
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
      { files: ['grid', 'broadcast', 'binary'], entry: 'main', overrides: { OP: BINARY_OPS[op], SAME_SHAPE: 1, WG: WORKGROUP }, label: `binary:${op}`, params: BROADCAST_PARAMS, constants: BINARY_CODES },
      [a.buffer, b.buffer, out.buffer],
      out.size,
      (_, count) => BROADCAST_PARAMS.pack({ n: count, rank: shape.length, shape: [], aStrides: [], bStrides: [], cStrides: [] }),
      WORKGROUP,
    );
    return out;
  }
  runtime().dispatch(
    { files: ['grid', 'broadcast', 'binary'], entry: 'main', overrides: { OP: BINARY_OPS[op], SAME_SHAPE: 0, WG: WORKGROUP }, label: `binary:${op} broadcast`, params: BROADCAST_PARAMS, constants: BINARY_CODES },
    { uniforms: broadcastParams(shape, a.shape, b.shape), buffers: [a.buffer, b.buffer, out.buffer], workgroups: Math.ceil(out.size / WORKGROUP) },
  );
  return out;
}

export function fillKernel(shape: Shape, start: number, step: number): Tensor {
  const out = Tensor.empty(shape);
  if (out.size === 0) return out;
  runtime().dispatchRanges(
    { files: ['grid', 'fill'], entry: 'fill', overrides: { WG: WORKGROUP }, params: FILL_PARAMS },
    [out.buffer],
    out.size,
    (first, count) => FILL_PARAMS.pack({ n: count, start: start + step * first, step }),
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
    { files: ['grid', 'philox', 'random'], entry: dist === 'uniform' ? 'sampleUniform' : 'sampleNormal', overrides: { WG: WORKGROUP }, params: RANDOM_PARAMS },
    [out.buffer],
    out.size,
    // Element i of the tensor always uses counter i, however the work is split.
    (first, count) => RANDOM_PARAMS.pack({ n: count, seedLo: lo, seedHi: hi, stream, a, b, base: first }),
    WORKGROUP,
  );
  return out;
}
