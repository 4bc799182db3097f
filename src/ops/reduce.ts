import { record } from '../graph/record.js';
import { argmaxKernel, checkArgmaxable, checkReducible, checkReducibleRuns, reduceKernel, reduceRuns, type ReduceOp } from '../kernels/reduce.js';
import { fitsOneBinding } from '../kernels/ranges.js';
import { WebgradError } from '../errors.js';
import { fmt, normaliseAxes, sizeOf } from '../tensor/shape.js';
import { tidy } from '../graph/scope.js';
import { checkTensor, Tensor } from '../tensor/tensor.js';
import { div, eq, mul } from './elementwise.js';
import { expand, permute } from './layout.js';

export type Axes = number | readonly number[];

/**
 * Views x as [outer, r, inner] with the reduced axes in the middle, moving them together first
 * (a permuted copy) when they are not adjacent. Returns the view and the kept shape.
 */
const adjacentAxes = (axes: number[]): boolean => axes.every((a, i) => i === 0 || a === axes[i - 1] + 1);

/**
 * Refuses, before any GPU work, a reduction of x over `axes` that does not fit the device's storage
 * bindings: its permuted copy (axes not adjacent) binds x whole; otherwise the kernel splits x as
 * long as the block kept after the reduced axes fits one binding.
 */
function checkBindings(x: Tensor, axes: number[], what: string): void {
  if (adjacentAxes(axes)) checkReducible(`${what}: x`, x.shape, axes.length === 0 ? 1 : sizeOf(x.shape.slice(axes[axes.length - 1] + 1)));
  else checkReducibleRuns(`${what}: x`, x.shape, axes);
}

function asOuterRInner(x: Tensor, axes: number[]): { src: Tensor; outer: number; r: number; inner: number; copied: boolean } {
  const adjacent = adjacentAxes(axes);
  let src = x;
  let first = axes[0] ?? 0;
  if (!adjacent) {
    const kept = [...Array(x.rank).keys()].filter((d) => !axes.includes(d));
    src = permute(x, [...kept, ...axes]);
    first = kept.length;
  }
  const shape = src.shape;
  const outer = sizeOf(shape.slice(0, first));
  const r = sizeOf(axes.map((a) => x.shape[a]));
  const inner = sizeOf(shape.slice(first + axes.length));
  return { src, outer, r, inner, copied: src !== x };
}

function checkKeepDims(keepDims: unknown, what: string): void {
  if (typeof keepDims !== 'boolean') throw new WebgradError(`webgrad: ${what}: keepDims must be true or false, got ${String(keepDims)}`);
}

/** A maximum (or minimum) over nothing has no value: refused, as PyTorch does. */
function checkNotEmpty(x: Tensor, axes: number[], what: string): void {
  const empty = x.rank === 0 ? false : axes.find((a) => x.shape[a] === 0);
  if (empty !== undefined && empty !== false) {
    throw new WebgradError(`webgrad: ${what}: x ${fmt(x.shape)} has no elements along axis ${empty}, so there is no ${what === 'min' ? 'minimum' : 'maximum'}`);
  }
}

function reducedShape(x: Tensor, axes: number[], keepDims: boolean): number[] {
  return keepDims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));
}

interface Reduced {
  out: Tensor;
  axes: number[];
  r: number;
}

function reduce(op: ReduceOp, what: string, x: Tensor, axisArg: Axes | undefined, keepDims: boolean, scaleByCount: boolean): Reduced {
  checkTensor(x, `${what}: x`, 'float32');
  checkKeepDims(keepDims, what);
  const axes = normaliseAxes(axisArg, x.rank, what);
  if (op !== 'sum') checkNotEmpty(x, axes, what);
  checkBindings(x, axes, what);
  const count = sizeOf(axes.map((a) => x.shape[a]));
  // The mean of nothing is NaN, as in PyTorch (0 · NaN).
  const scale = scaleByCount ? (count > 0 ? 1 / count : Number.NaN) : 1;
  let flat: Tensor;
  if (!adjacentAxes(axes) && !fitsOneBinding(x.size)) {
    // Too large to permute in one piece: one run of adjacent axes at a time.
    flat = reduceRuns(op, x, axes, scale);
  } else {
    const { src, outer, r, inner, copied } = asOuterRInner(x, axes);
    flat = reduceKernel(op, src, outer, r, inner, scale);
    if (copied) src.dispose();
  }
  const out = flat.reshape(reducedShape(x, axes, keepDims));
  flat.dispose();
  return { out, axes, r: count };
}

export function sum(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  const { out, axes: ax } = reduce('sum', 'sum', x, axes, keepDims, false);
  return record(out, 'sum', [x], (g) => [tidy(() => expand(g.reshape(reducedShape(x, ax, true)), x.shape))]);
}

export function mean(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  const { out, axes: ax, r } = reduce('sum', 'mean', x, axes, keepDims, true);
  return record(out, 'mean', [x], (g) => [tidy(() => div(expand(g.reshape(reducedShape(x, ax, true)), x.shape), r))]);
}

/** Maximum over axes; its gradient is shared equally by tied maxima, as torch.amax does. */
export function max(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  return extremum('max', x, axes, keepDims);
}

/** Minimum over axes; its gradient is shared equally by tied minima, as torch.amin does. */
export function min(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  return extremum('min', x, axes, keepDims);
}

function extremum(op: 'max' | 'min', x: Tensor, axes: Axes | undefined, keepDims: boolean): Tensor {
  const { out, axes: ax } = reduce(op, op, x, axes, keepDims, false);
  return record(out, op, [x], (g) =>
    tidy(() => {
      const kept = reducedShape(x, ax, true);
      const mask = eq(x, expand(out.reshape(kept), x.shape));
      const ties = sum(mask, ax, true);
      return [mul(mask, expand(div(g.reshape(kept), ties), x.shape))];
    }),
  );
}

/** Index of the first maximum along `axis`, as int32. */
export function argmax(x: Tensor, axis = -1, keepDims = false): Tensor {
  checkTensor(x, 'argmax: x', 'float32');
  checkKeepDims(keepDims, 'argmax');
  if (Array.isArray(axis)) throw new WebgradError(`webgrad: argmax: axis must be one integer, got [${axis.join(', ')}]`);
  const axes = normaliseAxes(axis, x.rank, 'argmax');
  checkNotEmpty(x, axes, 'argmax');
  if (x.rank > 0) checkArgmaxable('argmax: x', x.shape, x.shape[axes[0]], sizeOf(x.shape.slice(axes[0] + 1)));
  const { src, outer, r, inner } = asOuterRInner(x, axes);
  const flat = argmaxKernel(src, outer, r, inner);
  const out = flat.reshape(reducedShape(x, axes, keepDims));
  flat.dispose();
  return out;
}
