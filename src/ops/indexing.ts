import { WebgradError } from '../errors.js';
import { record } from '../graph/record.js';
import { fillKernel } from '../kernels/elementwise.js';
import { gatherKernel, planStrided, scatterKernel, type StridedPlan, type View } from '../kernels/strided.js';
import { bindingLimits } from '../kernels/ranges.js';
import { fmt, stridesOf } from '../tensor/shape.js';
import { checkTensor, Tensor, view } from '../tensor/tensor.js';

/** One axis of a slice, as Python's `start:end:step`; a missing (or null) bound means the end of the axis. */
export type SliceRange = readonly [start?: number | null, end?: number | null, step?: number | null];

function checkInt(v: unknown, what: string): asserts v is number {
  if (!Number.isInteger(v)) throw new WebgradError(`webgrad: ${what} must be an integer, got ${String(v)}`);
}

/** Python's slice.indices(length): clamped start, and the count of elements taken. */
function sliceIndices(range: SliceRange, length: number, what: string): { start: number; step: number; count: number } {
  const [s, e, st] = range;
  const step = st ?? 1;
  checkInt(step, `${what} step`);
  if (step === 0) throw new WebgradError(`webgrad: ${what} step must not be zero`);
  const lower = step > 0 ? 0 : -1;
  const upper = step > 0 ? length : length - 1;
  const bound = (v: number | null | undefined, fallback: number, name: string): number => {
    if (v === undefined || v === null) return fallback;
    checkInt(v, `${what} ${name}`);
    const w = v < 0 ? v + length : v;
    return Math.min(Math.max(w, lower), upper);
  };
  const start = bound(s, step > 0 ? lower : upper, 'start');
  const end = bound(e, step > 0 ? upper : lower, 'end');
  const count = step > 0 ? Math.max(0, Math.ceil((end - start) / step)) : Math.max(0, Math.ceil((start - end) / -step));
  return { start, step, count };
}

/** Dense copy of a view of x; its gradient scatters back into zeros of x's shape. */
function viewCopy(x: Tensor, v: View | StridedPlan, op: string): Tensor {
  const plan = 'view' in v ? v : planStrided(`${op}: x`, x.shape, v, bindingLimits());
  const out = gatherKernel(x, plan);
  return record(out, op, [x], (g) => {
    const back = planStrided(`${op}: the gradient of x`, x.shape, plan.view, bindingLimits());
    const dx = fillKernel(x.shape, 0, 0);
    scatterKernel(g, dx, back);
    return [dx];
  });
}

/**
 * Indexing by ranges, NumPy/Python style: `slice(x, [[1, -1], null, [null, null, 2]])` is
 * x[1:-1, :, ::2]. One range per leading axis (the rest are taken whole); negative indices count from
 * the end, bounds are clamped and negative steps walk backwards, as Python's slices do. A copy.
 */
export function slice(x: Tensor, ranges: readonly (SliceRange | null | undefined)[]): Tensor {
  checkTensor(x, 'slice: x');
  if (!Array.isArray(ranges)) throw new WebgradError(`webgrad: slice: ranges must be an array of [start, end, step], got ${typeof ranges}`);
  if (ranges.length > x.rank) throw new WebgradError(`webgrad: slice: ${ranges.length} ranges for a tensor of shape ${fmt(x.shape)}`);
  const strides = stridesOf(x.shape);
  const shape: number[] = [];
  const viewStrides: number[] = [];
  let offset = 0;
  x.shape.forEach((length, d) => {
    const r = ranges[d] ?? [];
    if (!Array.isArray(r)) throw new WebgradError(`webgrad: slice: ranges[${d}] must be [start, end, step] or null, got ${typeof r}`);
    const { start, step, count } = sliceIndices(r as unknown as SliceRange, length, `slice: ranges[${d}]`);
    shape.push(count);
    viewStrides.push(step * strides[d]);
    if (count > 0) offset += start * strides[d];
  });
  return viewCopy(x, { shape, offset, strides: viewStrides }, 'slice');
}

function axisOf(axis: number, rank: number, what: string): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new WebgradError(`webgrad: ${what}: axis ${axis} is out of range for a tensor of rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** `length` elements of x along `axis` from `start` (negative counts from the end), as torch.narrow. A copy. */
export function narrow(x: Tensor, axis: number, start: number, length: number): Tensor {
  checkTensor(x, 'narrow: x');
  const a = axisOf(axis, x.rank, 'narrow');
  const size = x.shape[a];
  checkInt(start, 'narrow: start');
  checkInt(length, 'narrow: length');
  const first = start < 0 ? start + size : start;
  if (first < 0 || first > size || length < 0 || first + length > size) {
    throw new WebgradError(`webgrad: narrow: start ${start}, length ${length} do not fit axis ${axis} of size ${size} (x ${fmt(x.shape)})`);
  }
  const strides = stridesOf(x.shape);
  const shape = x.shape.map((d, i) => (i === a ? length : d));
  return viewCopy(x, { shape, offset: length > 0 ? first * strides[a] : 0, strides }, 'narrow');
}

/**
 * Splits x along `axis` into pieces of `sizes` (an array that sums to the axis' size), or into pieces
 * of `sizes` elements each with a smaller last one (a number), as torch.split.
 */
export function split(x: Tensor, sizes: number | readonly number[], axis = 0): Tensor[] {
  checkTensor(x, 'split: x');
  const a = axisOf(axis, x.rank, 'split');
  const size = x.shape[a];
  let parts: number[];
  if (typeof sizes === 'number') {
    if (!Number.isInteger(sizes) || sizes <= 0) throw new WebgradError(`webgrad: split: a piece size must be a positive integer, got ${sizes}`);
    parts = [];
    for (let at = 0; at < size; at += sizes) parts.push(Math.min(sizes, size - at));
    if (size === 0) parts.push(0);
  } else {
    if (!Array.isArray(sizes)) throw new WebgradError(`webgrad: split: sizes must be a number or an array of numbers, got ${typeof sizes}`);
    sizes.forEach((s, i) => {
      if (!Number.isInteger(s) || s < 0) throw new WebgradError(`webgrad: split: sizes[${i}] = ${s} is not a non-negative integer`);
    });
    const total = sizes.reduce((n, s) => n + s, 0);
    if (total !== size) throw new WebgradError(`webgrad: split: sizes [${sizes.join(', ')}] sum to ${total}, not to axis ${axis} of size ${size} (x ${fmt(x.shape)})`);
    parts = [...sizes];
  }
  // Every piece is planned before the first is made, so that a refusal leaves nothing behind; each
  // is narrow(x, axis, start, n).
  const strides = stridesOf(x.shape);
  let start = 0;
  const plans = parts.map((n) => {
    const plan = planStrided('split: x', x.shape, { shape: x.shape.map((d, i) => (i === a ? n : d)), offset: n > 0 ? start * strides[a] : 0, strides }, bindingLimits());
    start += n;
    return plan;
  });
  return plans.map((plan) => viewCopy(x, plan, 'narrow'));
}

/** Joins tensors of equal shape but along `axis` (torch.cat). A copy. */
export function cat(tensors: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(tensors as unknown) || tensors.length === 0) throw new WebgradError(`webgrad: cat: tensors must be a non-empty array of tensors`);
  tensors.forEach((t, i) => checkTensor(t, `cat: tensors[${i}]`));
  const first = tensors[0];
  if (first.rank === 0) throw new WebgradError(`webgrad: cat: tensors must have at least one dimension, got shape ${fmt(first.shape)}`);
  const a = axisOf(axis, first.rank, 'cat');
  tensors.forEach((t, i) => {
    if (t.dtype !== first.dtype) throw new WebgradError(`webgrad: cat: tensors[${i}] is ${t.dtype} but tensors[0] is ${first.dtype}`);
    if (t.rank !== first.rank || t.shape.some((d, k) => k !== a && d !== first.shape[k])) {
      throw new WebgradError(`webgrad: cat: tensors[${i}] ${fmt(t.shape)} does not match tensors[0] ${fmt(first.shape)} outside axis ${axis}`);
    }
  });
  const shape = first.shape.map((d, k) => (k === a ? tensors.reduce((n, t) => n + t.shape[a], 0) : d));
  const strides = stridesOf(shape);
  const views: View[] = [];
  let at = 0;
  for (const t of tensors) {
    views.push({ shape: t.shape, offset: t.size > 0 ? at * strides[a] : 0, strides });
    at += t.shape[a];
  }
  const plans = views.map((v) => planStrided('cat: the result', shape, v, bindingLimits()));
  const out = Tensor.empty(shape, first.dtype);
  tensors.forEach((t, i) => scatterKernel(t, out, plans[i]));
  return record(out, 'cat', tensors, (g) => views.map((v) => gatherKernel(g, planStrided('cat: the gradient', shape, v, bindingLimits()))));
}

/** Joins tensors of one shape along a new axis (torch.stack). A copy. */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(tensors as unknown) || tensors.length === 0) throw new WebgradError(`webgrad: stack: tensors must be a non-empty array of tensors`);
  tensors.forEach((t, i) => checkTensor(t, `stack: tensors[${i}]`));
  const first = tensors[0];
  tensors.forEach((t, i) => {
    if (t.shape.join() !== first.shape.join()) throw new WebgradError(`webgrad: stack: tensors[${i}] ${fmt(t.shape)} differs from tensors[0] ${fmt(first.shape)}`);
  });
  tensors.forEach((t, i) => {
    if (t.dtype !== first.dtype) throw new WebgradError(`webgrad: stack: tensors[${i}] is ${t.dtype} but tensors[0] is ${first.dtype}`);
  });
  const a = axisOf(axis, first.rank + 1, 'stack');
  const shape = [...first.shape];
  shape.splice(a, 0, tensors.length);
  // Each tensor is the slice i of `out` along the new axis: the view skips that axis's stride (no
  // unsqueezed views, which a recorded graph would keep alive).
  const strides = stridesOf(shape);
  const within = strides.filter((_, k) => k !== a);
  const views: View[] = tensors.map((t, i) => ({ shape: t.shape, offset: t.size > 0 ? i * strides[a] : 0, strides: within }));
  const plans = views.map((v) => planStrided('stack: the result', shape, v, bindingLimits()));
  const out = Tensor.empty(shape, first.dtype);
  tensors.forEach((t, i) => scatterKernel(t, out, plans[i]));
  return record(out, 'stack', tensors, (g) => views.map((v) => gatherKernel(g, planStrided('stack: the gradient', shape, v, bindingLimits()))));
}

/** A view of x with one more axis of size 1 at `axis` (in [-rank-1, rank]), as torch.unsqueeze. */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  checkTensor(x, 'unsqueeze: x');
  const a = axisOf(axis, x.rank + 1, 'unsqueeze');
  const shape = [...x.shape];
  shape.splice(a, 0, 1);
  return asShape(x, shape, 'unsqueeze');
}

/** A view of x without its axes of size 1: all of them, or those listed that have size 1 (torch.squeeze). */
export function squeeze(x: Tensor, axis?: number | readonly number[]): Tensor {
  checkTensor(x, 'squeeze: x');
  const listed = axis === undefined ? null : (typeof axis === 'number' ? [axis] : [...axis]).map((d) => axisOf(d, Math.max(x.rank, 1), 'squeeze'));
  const shape = x.shape.filter((d, i) => d !== 1 || (listed !== null && !listed.includes(i)));
  return asShape(x, shape, 'squeeze');
}

/** A view of x with axes startAxis..endAxis (inclusive) merged into one, as torch.flatten. */
export function flatten(x: Tensor, startAxis = 0, endAxis = -1): Tensor {
  checkTensor(x, 'flatten: x');
  if (x.rank === 0) return asShape(x, [1], 'flatten');
  const s = axisOf(startAxis, x.rank, 'flatten');
  const e = axisOf(endAxis, x.rank, 'flatten');
  if (s > e) throw new WebgradError(`webgrad: flatten: startAxis ${startAxis} comes after endAxis ${endAxis} for x ${fmt(x.shape)}`);
  const merged = x.shape.slice(s, e + 1).reduce((n, d) => n * d, 1);
  return asShape(x, [...x.shape.slice(0, s), merged, ...x.shape.slice(e + 1)], 'flatten');
}

function asShape(x: Tensor, shape: number[], op: string): Tensor {
  return record(view(x, shape), op, [x], (g) => [g.reshape(x.shape)]);
}
