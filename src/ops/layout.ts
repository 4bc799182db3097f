import { WebgradError } from '../errors.js';
import { record } from '../graph/record.js';
import { gatherKernel, planStrided } from '../kernels/strided.js';
import { bindingLimits } from '../kernels/ranges.js';
import { broadcastShapes, broadcastStrides, checkShape, fmt, normaliseAxes, stridesOf, type Shape } from '../tensor/shape.js';
import { checkTensor, Tensor } from '../tensor/tensor.js';
import { sumTo } from './sum-to.js';

/** Same elements, new shape, no copy; one dimension may be -1. */
export function reshape(x: Tensor, shape: Shape): Tensor {
  checkTensor(x, 'reshape: x');
  return x.reshape(shape);
}

/** Reorders dimensions (a copy): out.shape[i] = x.shape[axes[i]]. */
export function permute(x: Tensor, axes: readonly number[]): Tensor {
  checkTensor(x, 'permute: x');
  if (!Array.isArray(axes)) throw new WebgradError(`webgrad: permute: axes must be an array of dimensions, got ${String(axes)}`);
  if (axes.length !== x.rank || normaliseAxes(axes, x.rank, 'permute').length !== x.rank) {
    throw new WebgradError(`webgrad: permute: axes [${axes.join(', ')}] are not a permutation of the ${x.rank} dimensions of ${fmt(x.shape)}`);
  }
  const norm = axes.map((a) => (a < 0 ? a + x.rank : a));
  const strides = stridesOf(x.shape);
  const out = gatherKernel(x, planStrided('permute: x', x.shape, { shape: norm.map((a) => x.shape[a]), offset: 0, strides: norm.map((a) => strides[a]) }, bindingLimits()));
  const inverse = new Array<number>(norm.length);
  norm.forEach((a, i) => (inverse[a] = i));
  return record(out, 'permute', [x], (g) => [permute(g, inverse)]);
}

/** Swaps two dimensions (the last two by default). */
export function transpose(x: Tensor, dim0 = -2, dim1 = -1): Tensor {
  checkTensor(x, 'transpose: x');
  const [a, b] = [dim0, dim1].map((d) => normaliseAxes(d, x.rank, 'transpose')[0]);
  const axes = [...Array(x.rank).keys()];
  [axes[a], axes[b]] = [axes[b], axes[a]];
  return permute(x, axes);
}

/** Broadcasts x to `shape` (a copy), NumPy's rules. */
export function expand(x: Tensor, shape: Shape): Tensor {
  checkTensor(x, 'expand: x');
  checkShape(shape, 'expand: shape');
  const target = broadcastShapes(x.shape, shape, 'expand');
  if (target.join() !== shape.join()) throw new WebgradError(`webgrad: expand: x ${fmt(x.shape)} cannot be expanded to ${fmt(shape)}`);
  const out = gatherKernel(x, planStrided('expand: x', x.shape, { shape, offset: 0, strides: broadcastStrides(x.shape, shape) }, bindingLimits()));
  return record(out, 'expand', [x], (g) => [sumTo(g, x.shape)]);
}
