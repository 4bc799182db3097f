import { record } from '../autograd/record.js';
import { argmaxKernel, reduceKernel } from '../kernels/reduce.js';
import { WebgradError } from '../device/errors.js';
import { fmt, normaliseAxes, sizeOf } from '../tensor/shape.js';
import { tidy } from '../tensor/scope.js';
import { checkTensor, Tensor } from '../tensor/tensor.js';
import { div, eq, mul } from './elementwise.js';
import { expand, permute } from './layout.js';

export type Axes = number | readonly number[];

/**
 * Views x as [outer, r, inner] with the reduced axes in the middle, moving them together first
 * (a permuted copy) when they are not adjacent. Returns the view and the kept shape.
 */
function asOuterRInner(x: Tensor, axes: number[]): { src: Tensor; outer: number; r: number; inner: number; copied: boolean } {
  const adjacent = axes.every((a, i) => i === 0 || a === axes[i - 1] + 1);
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

/** A maximum over nothing has no value: refused, as PyTorch does. */
function checkNotEmpty(x: Tensor, axes: number[], what: string): void {
  const empty = x.rank === 0 ? false : axes.find((a) => x.shape[a] === 0);
  if (empty !== undefined && empty !== false) {
    throw new WebgradError(`webgrad: ${what}: x ${fmt(x.shape)} has no elements along axis ${empty}, so there is no maximum`);
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

function reduce(op: 'sum' | 'max', what: string, x: Tensor, axisArg: Axes | undefined, keepDims: boolean, scaleByCount: boolean): Reduced {
  checkTensor(x, `${what}: x`, 'float32');
  checkKeepDims(keepDims, what);
  const axes = normaliseAxes(axisArg, x.rank, what);
  if (op === 'max') checkNotEmpty(x, axes, what);
  const { src, outer, r, inner, copied } = asOuterRInner(x, axes);
  // The mean of nothing is NaN, as in PyTorch (0 · NaN).
  const flat = reduceKernel(op, src, outer, r, inner, scaleByCount ? (r > 0 ? 1 / r : Number.NaN) : 1);
  if (copied) src.dispose();
  const out = flat.reshape(reducedShape(x, axes, keepDims));
  flat.dispose();
  return { out, axes, r };
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
  const { out, axes: ax } = reduce('max', 'max', x, axes, keepDims, false);
  return record(out, 'max', [x], (g) =>
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
  const { src, outer, r, inner } = asOuterRInner(x, axes);
  const flat = argmaxKernel(src, outer, r, inner);
  const out = flat.reshape(reducedShape(x, axes, keepDims));
  flat.dispose();
  return out;
}
