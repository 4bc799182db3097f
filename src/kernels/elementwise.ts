import { runtime } from '../device/current.js';
import { Tensor } from '../tensor/tensor.js';
import { WebgradError } from '../errors.js';
import { bindingLimitText, broadcastStrides, fmt, sizeOf, type Shape } from '../tensor/shape.js';
import { constantNames, uniformLayout, type KernelConstants } from '../runtime/wgsl-struct.js';
import { FILL_PARAMS, type Binding, type KernelSpec } from '../runtime/runtime.js';
import { fitsOneBinding } from './ranges.js';

export const UNARY_OPS = { neg: 0, abs: 1, exp: 2, log: 3, sqrt: 4, rsqrt: 5, relu: 6, sigmoid: 7, tanh: 8, sign: 9 } as const;
export const BINARY_OPS = { add: 0, sub: 1, mul: 2, div: 3, pow: 4, maximum: 5, minimum: 6, gt: 7, ge: 8, eq: 9 } as const;
/** The comparisons int_compare.wgsl runs on int32 operands (lt and le are gt and ge swapped). */
export const INT_COMPARE_OPS = { gt: 0, ge: 1, eq: 2 } as const;
export type UnaryOp = keyof typeof UNARY_OPS;
export type IntCompareOp = keyof typeof INT_COMPARE_OPS;
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
export const INT_COMPARE_CODES = constantNames('int_compare', 'OP_', INT_COMPARE_OPS);

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
  return broadcastKernel('binary', BINARY_CODES, BINARY_OPS[op], op, a, b, shape);
}

/** 1.0 where the comparison of int32 a and b holds, else 0.0 (float32); shapes checked and broadcast by the caller. */
export function intCompareKernel(op: IntCompareOp, a: Tensor, b: Tensor, shape: Shape): Tensor {
  return broadcastKernel('int_compare', INT_COMPARE_CODES, INT_COMPARE_OPS[op], op, a, b, shape);
}

/** A broadcasting element-wise kernel (binary.wgsl or int_compare.wgsl) over float32 out = f(a, b). */
function broadcastKernel(file: 'binary' | 'int_compare', codes: KernelConstants, code: number, op: string, a: Tensor, b: Tensor, shape: Shape): Tensor {
  const out = Tensor.empty(shape);
  if (out.size === 0) return out;
  const same = a.size === out.size && b.size === out.size;
  if (same) {
    runtime().dispatchRanges(
      { files: ['grid', 'broadcast', file], entry: 'main', overrides: { OP: code, SAME_SHAPE: 1, WG: WORKGROUP }, label: `${file}:${op}`, params: BROADCAST_PARAMS, constants: codes },
      [a.buffer, b.buffer, out.buffer],
      out.size,
      (_, count) => BROADCAST_PARAMS.pack({ n: count, rank: shape.length, shape: [], aStrides: [], bStrides: [], cStrides: [] }),
      WORKGROUP,
    );
    return out;
  }
  const spec: KernelSpec = { files: ['grid', 'broadcast', file], entry: 'main', overrides: { OP: code, SAME_SHAPE: 0, WG: WORKGROUP }, label: `${file}:${op} broadcast`, params: BROADCAST_PARAMS, constants: codes };
  if (fitsOneBinding(a.size, b.size, out.size)) {
    runtime().dispatch(spec, { uniforms: broadcastParams(shape, a.shape, b.shape), buffers: [a.buffer, b.buffer, out.buffer], workgroups: Math.ceil(out.size / WORKGROUP) });
    return out;
  }
  const split = broadcastSplit(a.shape, b.shape, shape);
  if (!split) throw new Error(`webgrad: internal: ${file} ${op} of ${fmt(a.shape)} and ${fmt(b.shape)} cannot be split (checkBroadcastBindable was skipped)`);
  const { dims, sa, sb, rows, width } = split;
  // Rows [r0, r0 + k) along the first axis of the result, and of each operand that varies along it
  // (one that does not is bound whole); every start is a multiple of the alignment, as `rows` is chosen.
  const part = (t: Tensor, stride: number, r0: number, k: number): Binding => {
    if (stride === 0) return t.buffer;
    const offset = r0 * stride * 4;
    return { buffer: t.buffer, offset, size: Math.min(Math.ceil((k * stride * 4) / 16) * 16, t.buffer.size - offset) };
  };
  for (let r0 = 0; r0 < dims[0]; r0 += rows) {
    const k = Math.min(rows, dims[0] - r0);
    const u = BROADCAST_PARAMS.pack({ n: k * width, rank: dims.length, shape: [k, ...dims.slice(1)], aStrides: sa, bStrides: sb, cStrides: [] });
    runtime().dispatch(spec, { uniforms: u, buffers: [part(a, sa[0], r0, k), part(b, sb[0], r0, k), part(out, width, r0, k)], workgroups: Math.ceil((k * width) / WORKGROUP) });
  }
  return out;
}

/**
 * The result's shape with the operands' broadcast strides, size-1 dimensions dropped and adjacent
 * ones merged where both operands step through them as one (a scalar against anything is one
 * dimension; [N, C, H, W] against [C, 1, 1] is [N, C, H·W]).
 */
function coalesce(shape: Shape, sa: readonly number[], sb: readonly number[]): { dims: number[]; sa: number[]; sb: number[] } {
  const dims: number[] = [];
  const ca: number[] = [];
  const cb: number[] = [];
  shape.forEach((d, i) => {
    if (d === 1) return;
    const k = dims.length - 1;
    if (k >= 0 && ca[k] === sa[i] * d && cb[k] === sb[i] * d) {
      dims[k] *= d;
      ca[k] = sa[i];
      cb[k] = sb[i];
    } else {
      dims.push(d);
      ca.push(sa[i]);
      cb.push(sb[i]);
    }
  });
  return dims.length > 0 ? { dims, sa: ca, sb: cb } : { dims: [1], sa: [0], sb: [0] };
}

/**
 * How a broadcast binary op over tensors larger than one binding is split: along the first axis of
 * the coalesced result, `rows` at a time (a multiple that keeps every binding's start aligned),
 * `width` result elements per row. Null when that cannot fit: an operand that does not vary along
 * the axis is bound whole, and a row of each must fit a binding.
 */
function broadcastSplit(a: Shape, b: Shape, shape: Shape): { dims: number[]; sa: number[]; sb: number[]; rows: number; width: number } | null {
  const { dims, sa, sb } = coalesce(shape, broadcastStrides(a, shape), broadcastStrides(b, shape));
  const width = sizeOf(dims.slice(1));
  if ((sa[0] === 0 && !fitsOneBinding(sizeOf(a))) || (sb[0] === 0 && !fitsOneBinding(sizeOf(b)))) return null;
  const align = runtime().gpu.limits.minStorageBufferOffsetAlignment / 4;
  const gcd = (x: number, y: number): number => (y === 0 ? x : gcd(y, x % y));
  const step = [width, sa[0], sb[0]].filter((v) => v > 0).reduce((q, v) => {
    const need = align / gcd(v, align);
    return (q * need) / gcd(q, need);
  }, 1);
  const rows = Math.floor(Math.floor(runtime().maxStorageBinding / 16) * 4 / Math.max(width, sa[0], sb[0]) / step) * step;
  return rows > 0 ? { dims, sa, sb, rows, width } : null;
}

/**
 * Refuses, before any GPU work, a broadcast binary op whose tensors are larger than one storage
 * binding and cannot be split (broadcastSplit). Same-shape operands always split.
 */
export function checkBroadcastBindable(op: string, a: Shape, b: Shape, shape: Shape): void {
  const same = sizeOf(a) === sizeOf(shape) && sizeOf(b) === sizeOf(shape);
  if (same || fitsOneBinding(sizeOf(a), sizeOf(b), sizeOf(shape)) || broadcastSplit(a, b, shape)) return;
  throw new WebgradError(
    `webgrad: ${op}: a ${fmt(a)} and b ${fmt(b)} broadcast to ${fmt(shape)} (${sizeOf(shape) * 4} bytes), more than one storage binding (${bindingLimitText()}), ` +
      `and cannot be split along its first axis (size-1 and mergeable axes aside): an operand that does not vary along it, or one row of the result, is larger than a binding; use smaller tensors (batches)`,
  );
}

export function fillKernel(shape: Shape, start: number, step: number): Tensor {
  const out = Tensor.empty(shape);
  if (out.size === 0) return out;
  runtime().dispatchRanges(
    { files: ['grid', 'fill'], entry: 'fill', overrides: { WG: WORKGROUP }, params: FILL_PARAMS },
    [out.buffer],
    out.size,
    // A constant fill passes start itself: −0 + 0 would be +0.
    (first, count) => FILL_PARAMS.pack({ n: count, start: step === 0 ? start : start + step * first, step }),
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
