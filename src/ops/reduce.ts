import { record } from '../graph/record.js';
import { argmaxKernel, planArgmax, planReduce, reduceKernel, reduceRuns, type ReduceOp, type ReducePlan } from '../kernels/reduce.js';
import { bindingLimits } from '../kernels/ranges.js';
import { WebgradError } from '../errors.js';
import { fmt, normaliseAxes, sizeOf } from '../tensor/shape.js';
import { tidy } from '../graph/scope.js';
import { checkTensor, Tensor } from '../tensor/tensor.js';
import { div, eq, mul } from './elementwise.js';
import { expand, permute } from './layout.js';

export type Axes = number | readonly number[];

/**
 * x as the plan's one pass sees it, [outer, r, inner] with the reduced axes in the middle: x, or a
 * permuted copy that moves them together when they are apart.
 */
function asOuterRInner(x: Tensor, axes: number[], plan: Extract<ReducePlan, { route: 'one' }>): Tensor {
  if (!plan.permute) return x;
  const kept = [...Array(x.rank).keys()].filter((d) => !axes.includes(d));
  return permute(x, [...kept, ...axes]);
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
  const plan = planReduce(`${what}: x`, x.shape, axes, bindingLimits());
  const count = sizeOf(axes.map((a) => x.shape[a]));
  // The mean of nothing is NaN, as in PyTorch (0 · NaN).
  const scale = scaleByCount ? (count > 0 ? 1 / count : Number.NaN) : 1;
  let flat: Tensor;
  if (plan.route === 'runs') {
    // Too large to permute in one piece: one run of adjacent axes at a time.
    flat = reduceRuns(op, x, plan.passes, scale);
  } else {
    const src = asOuterRInner(x, axes, plan);
    flat = reduceKernel(op, src, plan.pass.outer, plan.pass.r, plan.pass.inner, scale);
    if (src !== x) src.dispose();
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
  // One axis: adjacent, never permuted.
  const pass = { outer: sizeOf(x.shape.slice(0, axes[0] ?? 0)), r: sizeOf(axes.map((a) => x.shape[a])), inner: sizeOf(x.shape.slice((axes[0] ?? 0) + axes.length)) };
  const flat = argmaxKernel(x, planArgmax('argmax: x', x.shape, pass, bindingLimits()));
  const out = flat.reshape(reducedShape(x, axes, keepDims));
  flat.dispose();
  return out;
}
