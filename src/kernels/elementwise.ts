import { runtime } from '../device/current.js';
import { declareKernel } from '../runtime/kernel.js';
import { Tensor } from '../tensor/tensor.js';
import { broadcastStrides, fmt, sizeOf, type Shape } from '../tensor/shape.js';
import { constantNames, uniformLayout } from '../runtime/wgsl-struct.js';
import { FILL, FILL_PARAMS, type Binding } from '../runtime/runtime.js';
import { BindingLimitError, fitsOne, limitText, type BindingLimits } from './ranges.js';
import { ELEMENTWISE_PARAMS } from './elementwise-params.js';

export const UNARY_OPS = { neg: 0, abs: 1, exp: 2, log: 3, sqrt: 4, rsqrt: 5, relu: 6, sigmoid: 7, tanh: 8, sign: 9 } as const;
export const BINARY_OPS = { add: 0, sub: 1, mul: 2, div: 3, pow: 4, maximum: 5, minimum: 6, gt: 7, ge: 8, eq: 9, reluBackward: 10 } as const;
/** The comparisons int_compare.wgsl runs on int32 operands (lt and le are gt and ge swapped). */
export const INT_COMPARE_OPS = { gt: 0, ge: 1, eq: 2 } as const;
export type UnaryOp = keyof typeof UNARY_OPS;
export type IntCompareOp = keyof typeof INT_COMPARE_OPS;
export type BinaryOp = keyof typeof BINARY_OPS;

const WORKGROUP = 256;

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
const UNARY = declareKernel({ file: 'unary', entries: ['main'], params: ELEMENTWISE_PARAMS, constants: UNARY_CODES, workgroup: WORKGROUP });
const BROADCASTING = {
  binary: declareKernel({ file: 'binary', entries: ['main'], params: BROADCAST_PARAMS, constants: BINARY_CODES, workgroup: WORKGROUP }),
  int_compare: declareKernel({ file: 'int_compare', entries: ['main'], params: BROADCAST_PARAMS, constants: INT_COMPARE_CODES, workgroup: WORKGROUP }),
};
const RANDOM = declareKernel({ file: 'random', entries: ['sampleUniform', 'sampleNormal'], params: RANDOM_PARAMS, workgroup: WORKGROUP });

export function unaryKernel(op: UnaryOp, x: Tensor): Tensor {
  const out = Tensor.empty(x.shape);
  if (x.size === 0) return out;
  runtime().dispatchRanges(
    UNARY.spec('main', { OP: UNARY_OPS[op] }, `unary:${op}`),
    [x.buffer, out.buffer],
    x.size,
    (_, count) => ELEMENTWISE_PARAMS.pack({ n: count }),
    WORKGROUP,
  );
  return out;
}

/**
 * How a broadcasting element-wise kernel (binary.wgsl, int_compare.wgsl) runs over `shape`:
 * same-shape operands in ranges of elements (`same`); all bound whole (`whole`); or, for tensors
 * larger than one binding, along the first axis of the coalesced result, `rows` at a time (a
 * multiple that keeps every binding's start aligned), `width` result elements per row (`rows`).
 */
export type BroadcastPlan =
  | { kind: 'same'; shape: Shape; a: Shape; b: Shape }
  | { kind: 'whole'; shape: Shape; a: Shape; b: Shape }
  | { kind: 'rows'; shape: Shape; a: Shape; b: Shape; dims: number[]; sa: number[]; sb: number[]; rows: number; width: number };

/**
 * Plans op(a, b) broadcast to `shape`. Refused when the tensors are larger than one binding and
 * cannot be split along the first axis: an operand that does not vary along it is bound whole,
 * and a row of each must fit a binding. Same-shape operands always split.
 */
export function planBroadcast(op: string, a: Shape, b: Shape, shape: Shape, limits: BindingLimits): BroadcastPlan {
  const n = sizeOf(shape);
  if (sizeOf(a) === n && sizeOf(b) === n) return { kind: 'same', shape, a, b };
  if (fitsOne(limits, sizeOf(a), sizeOf(b), n)) return { kind: 'whole', shape, a, b };
  const { dims, sa, sb } = coalesce(shape, broadcastStrides(a, shape), broadcastStrides(b, shape));
  const width = sizeOf(dims.slice(1));
  const wholeOperandFits = !(sa[0] === 0 && !fitsOne(limits, sizeOf(a))) && !(sb[0] === 0 && !fitsOne(limits, sizeOf(b)));
  const gcd = (x: number, y: number): number => (y === 0 ? x : gcd(y, x % y));
  const step = [width, sa[0], sb[0]].filter((v) => v > 0).reduce((q, v) => {
    const need = limits.align / gcd(v, limits.align);
    return (q * need) / gcd(q, need);
  }, 1);
  const rows = Math.floor(Math.floor(limits.maxBinding / 16) * 4 / Math.max(width, sa[0], sb[0]) / step) * step;
  if (!wholeOperandFits || rows === 0) {
    throw new BindingLimitError(
      `webgrad: ${op}: a ${fmt(a)} and b ${fmt(b)} broadcast to ${fmt(shape)} (${n * 4} bytes), more than one storage binding (${limitText(limits)}), ` +
        `and cannot be split along its first axis (size-1 and mergeable axes aside): an operand that does not vary along it, or one row of the result, is larger than a binding; use smaller tensors (batches)`,
    );
  }
  return { kind: 'rows', shape, a, b, dims, sa, sb, rows, width };
}

/** op(a, b) as the plan says (planBroadcast). */
export function binaryKernel(op: BinaryOp, a: Tensor, b: Tensor, plan: BroadcastPlan): Tensor {
  return broadcastKernel('binary', BINARY_OPS[op], op, a, b, plan);
}

/** ReLU's gradient in one dispatch: g where x > 0, else 0 (binary.wgsl's reluBackward, same shapes). */
export function reluBackwardKernel(g: Tensor, x: Tensor): Tensor {
  return binaryKernel('reluBackward', g, x, { kind: 'same', shape: x.shape, a: g.shape, b: x.shape });
}

/** 1.0 where the comparison of int32 a and b holds, else 0.0 (float32), as the plan says (planBroadcast). */
export function intCompareKernel(op: IntCompareOp, a: Tensor, b: Tensor, plan: BroadcastPlan): Tensor {
  return broadcastKernel('int_compare', INT_COMPARE_OPS[op], op, a, b, plan);
}

/** A broadcasting element-wise kernel (binary.wgsl or int_compare.wgsl) over float32 out = f(a, b). */
function broadcastKernel(file: 'binary' | 'int_compare', code: number, op: string, a: Tensor, b: Tensor, plan: BroadcastPlan): Tensor {
  const { shape } = plan;
  const out = Tensor.empty(shape);
  if (out.size === 0) return out;
  if (plan.kind === 'same') {
    runtime().dispatchRanges(
      BROADCASTING[file].spec('main', { OP: code, SAME_SHAPE: 1 }, `${file}:${op}`),
      [a.buffer, b.buffer, out.buffer],
      out.size,
      (_, count) => BROADCAST_PARAMS.pack({ n: count, rank: shape.length, shape: [], aStrides: [], bStrides: [], cStrides: [] }),
      WORKGROUP,
    );
    return out;
  }
  const spec = BROADCASTING[file].spec('main', { OP: code, SAME_SHAPE: 0 }, `${file}:${op} broadcast`);
  if (plan.kind === 'whole') {
    runtime().dispatch(spec, { uniforms: broadcastParams(shape, a.shape, b.shape), buffers: [a.buffer, b.buffer, out.buffer], workgroups: Math.ceil(out.size / WORKGROUP) });
    return out;
  }
  const { dims, sa, sb, rows, width } = plan;
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

export function fillKernel(shape: Shape, start: number, step: number): Tensor {
  const out = Tensor.empty(shape);
  if (out.size === 0) return out;
  runtime().dispatchRanges(
    FILL.spec('fill'),
    [out.buffer],
    out.size,
    // A constant fill passes start itself: −0 + 0 would be +0.
    (first, count) => FILL_PARAMS.pack({ n: count, start: step === 0 ? start : start + step * first, step }),
    FILL.workgroup,
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
    RANDOM.spec(dist === 'uniform' ? 'sampleUniform' : 'sampleNormal'),
    [out.buffer],
    out.size,
    // Element i of the tensor always uses counter i, however the work is split.
    (first, count) => RANDOM_PARAMS.pack({ n: count, seedLo: lo, seedHi: hi, stream, a, b, base: first }),
    WORKGROUP,
  );
  return out;
}
